import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from "react";
import type { EventName } from "../generated/events.js";
import type { Page } from "./api.js";
import {
  initialPresence,
  parsePresenceEvent,
  parsePresenceUser,
  presenceList,
  presenceReducer,
  type PresenceStatus,
  type PresenceUser,
  type SettableStatus,
} from "./presence.js";
import { useSocket } from "./SocketProvider.js";
import { useMe } from "./useMe.js";
import { useSocketEvent } from "./useSocketEvent.js";

const PRESENCE_EVENTS: readonly EventName[] = ["user_presence_updated"];
const NO_EVENTS: readonly EventName[] = [];

export interface UsePresenceOptions {
  /** false: neither load nor listen (for a component handed the state by its parent). Default true. */
  enabled?: boolean;
  /**
   * My user id, when the caller knows it (from useMe()). Left undefined, the
   * hook asks GET /api/me itself, so "me" is known at load.
   */
  myUserId?: string | null;
}

export interface PresenceResult {
  /** The users in my scope, by status then name. */
  users: PresenceUser[];
  /** Whether the list has loaded. */
  loaded: boolean;
  /** The list request's error message, if it failed. */
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
 * The team's presence: GET /api/presence, kept live by user_presence_updated
 * (single changes and batches),
 * loaded again on the first connection and after every reconnection that was
 * not recovered; and my own status, set with setMyStatus.
 */
export function usePresence({ enabled = true, myUserId: givenUserId }: UsePresenceOptions = {}): PresenceResult {
  const { api, connects, recovered } = useSocket();
  const [state, dispatch] = useReducer(presenceReducer, initialPresence);
  const [error, setError] = useState<string | null>(null);
  const { me } = useMe({ enabled: enabled && givenUserId === undefined });
  const [answeredUserId, setAnsweredUserId] = useState<string | null>(null);
  const myUserId = givenUserId ?? me?.userId ?? answeredUserId;
  const [mySetStatus, setMySetStatus] = useState<PresenceStatus>("online");
  const [saving, setSaving] = useState(false);
  const seqRef = useRef(state.seq);
  seqRef.current = state.seq;

  useSocketEvent(enabled ? PRESENCE_EVENTS : NO_EVENTS, (_event, payload) => {
    const users = parsePresenceEvent(payload);
    if (users.length > 0) dispatch({ type: "batch", users });
  });

  const needList = connects <= 1 || !recovered;
  useEffect(() => {
    if (!enabled || !needList) return;
    const ctrl = new AbortController();
    const requestedAt = seqRef.current;
    api<Page<unknown>>("/api/presence", { signal: ctrl.signal }).then(
      (page) => {
        const items = (Array.isArray(page?.items) ? page.items : [])
          .map(parsePresenceUser)
          .filter((u): u is PresenceUser => u !== null);
        dispatch({ type: "snapshot", items, requestedAt });
        setError(null);
      },
      (err: unknown) => {
        if (!ctrl.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      },
    );
    return () => ctrl.abort();
  }, [enabled, needList, connects, api]);

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

  const users = useMemo(() => presenceList(state), [state]);
  const mine = myUserId ? state.users[myUserId] : undefined;
  return {
    users,
    loaded: state.loaded,
    error,
    myUserId,
    myStatus: mine?.status ?? mySetStatus,
    setMyStatus,
    saving,
  };
}
