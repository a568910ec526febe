import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import type { EventName } from "../generated/events.js";
import type { Page } from "./api.js";
import {
  initialPresence,
  MAX_WATCHED,
  parsePresenceEvent,
  parsePresenceUser,
  parseWatchAnswer,
  presenceList,
  presenceReducer,
  PRESENCE_WATCH_EVENT,
  type PresenceStatus,
  type PresenceUser,
  type PresenceWatchRequest,
  type SettableStatus,
} from "./presence.js";
import { useSocket } from "./SocketProvider.js";
import { useMe } from "./useMe.js";
import { useSocketEvent } from "./useSocketEvent.js";

const PRESENCE_EVENTS: readonly EventName[] = ["user_presence_updated"];
const NO_EVENTS: readonly EventName[] = [];

/** The department of the watch rooms of users without one (the server's events.DefaultDepartment). */
const DEFAULT_DEPARTMENT = "general";

export interface UsePresenceOptions {
  /** false: neither load nor listen (for a component handed the state by its parent). Default true. */
  enabled?: boolean;
  /**
   * My user id, when the caller knows it (from useMe()). Left undefined, the
   * hook asks GET /api/me itself, so "me" is known at load.
   */
  myUserId?: string | null;
  /**
   * Watch these users (presence:watch) instead of loading the team list:
   * the hook's users are then the watched users the server knows, as the
   * watch's answer gives them and kept live by user_presence_updated. It
   * watches again on every connection, recovered or not, and whenever
   * the list's contents change (not its identity or order). For
   * KIN_PRESENCE_SCOPE=watched, where a socket gets the changes of only
   * the users it watches; at most MAX_WATCHED users.
   */
  watch?: readonly string[];
  /** The department of the watched users. Default: mine (an admin, who has none, must name one). */
  watchDepartment?: string;
  /**
   * With the team list (no watch option): also watch the first MAX_WATCHED
   * users it lists, grouped by department, so that their changes come live
   * in KIN_PRESENCE_SCOPE=watched. Default: whether GET /api/me says
   * presenceScope "watched", when the hook asks it (myUserId not given);
   * false otherwise.
   */
  watchListed?: boolean;
}

export interface PresenceResult {
  /** The users in my scope (the watched users, with the watch option), by status then name. */
  users: PresenceUser[];
  /** Whether the list (with the watch option, the watch's answer) has come. */
  loaded: boolean;
  /** The list request's error message, or the watch's refusal, if either failed. */
  error: string | null;
  /** My id, once known (GET /api/me, or the myUserId option). */
  myUserId: string | null;
  /** My status as last set from here, or as the server last reported it. */
  myStatus: PresenceStatus;
  /** Sets my status (PUT /api/presence/me); rejects with the server's message. */
  setMyStatus: (status: SettableStatus) => Promise<void>;
  /** Whether a setMyStatus call is in flight. */
  saving: boolean;
}

/**
 * What the socket should watch: sorted, distinct user ids by department
 * ("" is mine: the request leaves department out); snapshot: the answers
 * are the hook's list (the watch option), not additions to it.
 */
interface WatchPlan {
  snapshot: boolean;
  departments: [string, string[]][];
}

/**
 * The team's presence: GET /api/presence, kept live by user_presence_updated
 * (single changes and batches),
 * loaded again on the first connection and after every reconnection that was
 * not recovered; and my own status, set with setMyStatus.
 *
 * With the watch option it follows the given users instead (presence:watch);
 * with watchListed, the list's first MAX_WATCHED users are watched too.
 * The server keeps one watch list per socket and department, which a later
 * watch replaces: watch a department from one hook only.
 */
export function usePresence({
  enabled = true,
  myUserId: givenUserId,
  watch,
  watchDepartment,
  watchListed,
}: UsePresenceOptions = {}): PresenceResult {
  const { api, emit, connects, recovered, isConnected } = useSocket();
  const [state, dispatch] = useReducer(presenceReducer, initialPresence);
  const [listError, setListError] = useState<string | null>(null);
  const [watchError, setWatchError] = useState<string | null>(null);
  const { me } = useMe({ enabled: enabled && givenUserId === undefined });
  const [answeredUserId, setAnsweredUserId] = useState<string | null>(null);
  const myUserId = givenUserId ?? me?.userId ?? answeredUserId;
  const [mySetStatus, setMySetStatus] = useState<PresenceStatus>("online");
  const [saving, setSaving] = useState(false);
  const [listed, setListed] = useState<readonly PresenceUser[]>([]);
  const seqRef = useRef(state.seq);
  seqRef.current = state.seq;

  const watching = enabled && watch !== undefined;
  const listWatch = enabled && !watching && (watchListed ?? me?.presenceScope === "watched");

  useSocketEvent(enabled ? PRESENCE_EVENTS : NO_EVENTS, (_event, payload) => {
    const users = parsePresenceEvent(payload);
    if (users.length > 0) dispatch({ type: "batch", users });
  });

  const needList = enabled && !watching && (connects <= 1 || !recovered);
  useEffect(() => {
    if (!needList) return;
    const ctrl = new AbortController();
    const requestedAt = seqRef.current;
    api<Page<unknown>>("/api/presence", { signal: ctrl.signal }).then(
      (page) => {
        const items = (Array.isArray(page?.items) ? page.items : [])
          .map(parsePresenceUser)
          .filter((u): u is PresenceUser => u !== null);
        dispatch({ type: "snapshot", items, requestedAt });
        setListed(items);
        setListError(null);
      },
      (err: unknown) => {
        if (!ctrl.signal.aborted) setListError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => ctrl.abort();
  }, [needList, connects, api]);

  // The watch plan, as a string: the effect below runs when its contents change.
  const watchedIds = useMemo(() => (watch ? [...new Set(watch)].sort() : []), [watch]);
  const watchedKey = JSON.stringify(watchedIds);
  const planKey = useMemo(() => {
    const plan: WatchPlan = { snapshot: watching, departments: [] };
    if (watching) {
      plan.departments.push([watchDepartment ?? "", JSON.parse(watchedKey) as string[]]);
    } else if (listWatch) {
      // My own changes come to my sockets anyway.
      const byDept = new Map<string, string[]>();
      for (const u of listed.filter((u) => u.userId !== myUserId).slice(0, MAX_WATCHED)) {
        const dept = u.department || DEFAULT_DEPARTMENT;
        byDept.set(dept, [...(byDept.get(dept) ?? []), u.userId]);
      }
      for (const [dept, ids] of [...byDept].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
        plan.departments.push([dept, [...new Set(ids)].sort()]);
      }
    }
    return JSON.stringify(plan);
  }, [watching, watchDepartment, watchedKey, listWatch, listed, myUserId]);

  // What this connection's server side watches, as far as the hook knows:
  // the ids last sent by department, cleared by every new connection.
  const sentRef = useRef(new Map<string, string[]>());
  const seenConnects = useRef(0);
  const answerSeq = useRef(new Map<string, number>());
  const watchErrors = useRef(new Map<string, string>());
  const live = useRef(true);
  useEffect(() => {
    if (!isConnected) return;
    if (seenConnects.current !== connects) {
      seenConnects.current = connects;
      // Every connection watches again, a recovered one too: its rooms
      // are kept, but watched changes stay out of the recovery log (the
      // server sends them Unlogged), so the answer brings what was missed.
      sentRef.current.clear();
    }
    const plan = JSON.parse(planKey) as WatchPlan;
    const sent = sentRef.current;
    const wanted = new Map(plan.departments);
    const todo: { dept: string; ids: string[]; grows: number }[] = [];
    for (const [dept, ids] of wanted) {
      const before = sent.get(dept);
      if (!before || JSON.stringify(before) !== JSON.stringify(ids)) todo.push({ dept, ids, grows: ids.length - (before?.length ?? 0) });
    }
    for (const [dept, before] of sent) {
      if (!wanted.has(dept)) todo.push({ dept, ids: [], grows: -before.length });
    }
    // Those that shrink first: the server bounds a socket's watches over all departments.
    todo.sort((a, b) => a.grows - b.grows);
    for (const { dept, ids } of todo) {
      if (wanted.has(dept)) sent.set(dept, ids);
      else sent.delete(dept);
      const n = (answerSeq.current.get(dept) ?? 0) + 1;
      answerSeq.current.set(dept, n);
      const requestedAt = seqRef.current;
      const request: PresenceWatchRequest = dept === "" ? { userIds: ids } : { department: dept, userIds: ids };
      emit(PRESENCE_WATCH_EVENT, request, (raw: unknown) => {
        if (!live.current) return;
        const answer = parseWatchAnswer(raw);
        if (answer.error === null) {
          dispatch(
            plan.snapshot
              ? { type: "snapshot", items: answer.users, requestedAt, only: ids }
              : { type: "batch", users: answer.users },
          );
        }
        // A later request's answer says whether the department's watch stands.
        if (answerSeq.current.get(dept) !== n) return;
        if (answer.error === null) watchErrors.current.delete(dept);
        else watchErrors.current.set(dept, answer.error);
        setWatchError(watchErrors.current.values().next().value ?? null);
      });
    }
  }, [isConnected, connects, recovered, planKey, emit]);

  // Unmounted: the socket (the provider's) stops watching for this hook.
  const unwatch = useRef<() => void>(() => {});
  unwatch.current = () => {
    if (isConnected) {
      for (const [dept, ids] of sentRef.current) {
        if (ids.length > 0) emit(PRESENCE_WATCH_EVENT, dept === "" ? { userIds: [] } : { department: dept, userIds: [] });
      }
    }
    sentRef.current.clear();
  };
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
      unwatch.current();
    };
  }, []);

  const setMyStatus = useCallback(
    async (status: SettableStatus) => {
      setSaving(true);
      try {
        const answer = await api<unknown>("/api/presence/me", { method: "PUT", body: { status } });
        const me = parsePresenceUser(answer);
        if (me) {
          setAnsweredUserId(me.userId);
          dispatch({ type: "update", user: me });
        }
        setMySetStatus(status);
      } finally {
        setSaving(false);
      }
    },
    [api],
  );

  const users = useMemo(() => {
    const all = presenceList(state);
    if (!watching) return all;
    const ids = new Set(JSON.parse(watchedKey) as string[]);
    return all.filter((u) => ids.has(u.userId));
  }, [state, watching, watchedKey]);
  const mine = myUserId ? state.users[myUserId] : undefined;
  return {
    users,
    loaded: state.loaded,
    error: watching ? watchError : (listError ?? watchError),
    myUserId,
    myStatus: mine?.status ?? mySetStatus,
    setMyStatus,
    saving,
  };
}
