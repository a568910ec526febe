import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage, needsRefetch } from "./collection.js";
import { useSocket } from "./SocketProvider.js";

export interface LoadedPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface ListLoaderOptions<T> {
  /** Fetches the page at cursor (null: the first). */
  fetchPage: (cursor: string | null, signal: AbortSignal) => Promise<LoadedPage<T>>;
  /** Applies a first page requested at seq requestedAt. */
  onSnapshot: (page: LoadedPage<T>, requestedAt: number) => void;
  /** Applies a further page. */
  onPage: (page: LoadedPage<T>, requestedAt: number) => void;
  /** The collection's live-write counter, read when a request starts. */
  seq: number;
  /** A change reloads the first page (e.g. a filter). */
  key: string;
  enabled?: boolean;
  /** The cursor of the next page (null: no more). */
  nextCursor: string | null;
}

export interface ListLoaderState {
  /** A first page is being fetched. */
  loading: boolean;
  /** A further page is being fetched. */
  loadingMore: boolean;
  /** The last load's error message. */
  error: string | null;
  /** Fetches the next page, if any. */
  loadMore: () => Promise<void>;
  /** Fetches the first page again. */
  refresh: () => void;
}

/**
 * Loads a list's first page at mount, when key changes, on the first
 * connection and after every reconnection that was not recovered (so the
 * view is never silently stale); loadMore follows the cursor.
 */
export function useListLoader<T>(opts: ListLoaderOptions<T>): ListLoaderState {
  const { connects, recovered } = useSocket();
  const latest = useRef(opts);
  latest.current = opts;
  const [loading, setLoading] = useState(false);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [nonce, setNonce] = useState(0);
  const generation = useRef(0);
  const moreCtrl = useRef<AbortController | null>(null);
  const enabled = opts.enabled ?? true;
  const need = needsRefetch(connects, recovered);

  // What the last successful first page was loaded for: a list that has
  // never loaded (a page opened after a recovered reconnect) must load even
  // though the connection needs no refetch.
  const loadedFor = useRef<string | null>(null);

  useEffect(() => {
    if (!enabled) return;
    const want = `${opts.key}\u0000${nonce}`;
    if (!need && loadedFor.current === want) return;
    const gen = ++generation.current;
    moreCtrl.current?.abort();
    const ctrl = new AbortController();
    const requestedAt = latest.current.seq;
    setLoading(true);
    latest.current.fetchPage(null, ctrl.signal).then(
      (page) => {
        if (ctrl.signal.aborted || gen !== generation.current) return;
        latest.current.onSnapshot(page, requestedAt);
        loadedFor.current = want;
        setError(null);
        setLoading(false);
      },
      (err: unknown) => {
        if (ctrl.signal.aborted || gen !== generation.current) return;
        setError(errorMessage(err));
        setLoading(false);
      },
    );
    return () => ctrl.abort();
  }, [enabled, need, connects, opts.key, nonce]);

  const loadMore = useCallback(async () => {
    const { nextCursor, seq } = latest.current;
    if (nextCursor === null || moreCtrl.current) return;
    const gen = generation.current;
    const ctrl = new AbortController();
    moreCtrl.current = ctrl;
    setLoadingMore(true);
    try {
      const page = await latest.current.fetchPage(nextCursor, ctrl.signal);
      if (!ctrl.signal.aborted && gen === generation.current) {
        latest.current.onPage(page, seq);
        setError(null);
      }
    } catch (err) {
      if (!ctrl.signal.aborted && gen === generation.current) setError(errorMessage(err));
    } finally {
      if (moreCtrl.current === ctrl) moreCtrl.current = null;
      setLoadingMore(false);
    }
  }, []);

  const refresh = useCallback(() => setNonce((n) => n + 1), []);
  return { loading, loadingMore, error, loadMore, refresh };
}

/** Runs actions one at a time per id, tracking which ids are busy and the last error. */
export function useActions() {
  const [pending, setPending] = useState<readonly string[]>([]);
  const [actionError, setActionError] = useState<string | null>(null);
  const run = useCallback(async <R,>(id: string, fn: () => Promise<R>): Promise<R> => {
    setPending((p) => [...p, id]);
    setActionError(null);
    try {
      return await fn();
    } catch (err) {
      setActionError(errorMessage(err));
      throw err;
    } finally {
      setPending((p) => {
        const i = p.indexOf(id);
        return i < 0 ? p : [...p.slice(0, i), ...p.slice(i + 1)];
      });
    }
  }, []);
  const clearError = useCallback(() => setActionError(null), []);
  return { pending, actionError, run, clearError };
}
