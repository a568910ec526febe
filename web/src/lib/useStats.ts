import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage, needsRefetch } from "./collection.js";
import { useSocket } from "./SocketProvider.js";
import { coalescer, parseStats, STATS_EVENTS, type Stats } from "./stats.js";
import { useSocketEvent } from "./useSocketEvent.js";

export interface UseStatsOptions {
  enabled?: boolean;
  /** The least time between two fetches, in ms (events arriving faster are coalesced). Default 1000. */
  minIntervalMs?: number;
  /**
   * Fetches again every this many ms even without events (a task created
   * without an offer emits none; the longest wait grows). Default 30000; 0: never.
   */
  pollMs?: number;
}

export interface StatsResult {
  /** The last answer of GET /api/stats, null until the first. */
  stats: Stats | null;
  loaded: boolean;
  /** A fetch is in flight. */
  loading: boolean;
  /** The last fetch's error (the last stats stay shown). */
  error: string | null;
  /** Fetches again (coalesced like the events). */
  refresh: () => void;
}

/**
 * The supervisor's view: GET /api/stats at mount, again after each event
 * that changes it (STATS_EVENTS; at most once per minIntervalMs, never two
 * fetches at once), every pollMs, on the first connection and after every
 * reconnection that did not recover the session (events may have been
 * missed). Each answer replaces the last: the server counts, the client
 * does not guess.
 */
export function useStats({ enabled = true, minIntervalMs = 1000, pollMs = 30000 }: UseStatsOptions = {}): StatsResult {
  const { api, connects, recovered } = useSocket();
  const [stats, setStats] = useState<Stats | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const apiRef = useRef(api);
  apiRef.current = api;
  const ctrlRef = useRef<AbortController | null>(null);
  const [sched] = useState(() => {
    const c = coalescer(() => {
      const ctrl = new AbortController();
      ctrlRef.current = ctrl;
      setLoading(true);
      apiRef.current<unknown>("/api/stats", { signal: ctrl.signal }).then(
        (raw) => {
          if (ctrl.signal.aborted) return;
          const s = parseStats(raw);
          if (s) setStats(s);
          setError(s ? null : "GET /api/stats: unexpected answer");
          setLoading(false);
          c.done();
        },
        (err: unknown) => {
          if (ctrl.signal.aborted) return;
          setError(errorMessage(err));
          setLoading(false);
          c.done();
        },
      );
    }, minIntervalMs);
    return c;
  });

  useEffect(
    () => () => {
      sched.cancel();
      ctrlRef.current?.abort();
    },
    [sched],
  );
  const need = needsRefetch(connects, recovered);
  useEffect(() => {
    if (enabled && need) sched.request();
  }, [enabled, need, connects, sched]);
  useEffect(() => {
    if (!enabled || pollMs <= 0) return;
    const id = setInterval(() => sched.request(), pollMs);
    return () => clearInterval(id);
  }, [enabled, pollMs, sched]);
  useSocketEvent(enabled ? STATS_EVENTS : [], () => sched.request());
  const refresh = useCallback(() => sched.request(), [sched]);
  return { stats, loaded: stats !== null, loading, error, refresh };
}
