import { useCallback, useEffect, useMemo, useReducer, useRef } from "react";
import type { EventName, VoicemailCreated, VoicemailUpdated } from "../generated/events.js";
import type { Page } from "./api.js";
import type { RestSchemas } from "./rest.js";
import { parseItems } from "./collection.js";
import { useSocket } from "./SocketProvider.js";
import { useSocketEvent } from "./useSocketEvent.js";
import { useActions, useListLoader } from "./useListLoader.js";
import {
  initialVoicemails,
  parseVoicemail,
  voicemailList,
  voicemailsReducer,
  type Voicemail,
  type VoicemailStatus,
} from "./voicemails.js";

const VOICEMAIL_EVENTS: readonly EventName[] = ["voicemail_created", "voicemail_updated"];
const NO_EVENTS: readonly EventName[] = [];

export interface UseVoicemailsOptions {
  /** Only voicemails with this status. */
  status?: VoicemailStatus | undefined;
  /** Only those assigned to this user id ("me": myUserId). */
  assignee?: string | undefined;
  /** My user id (GET /api/me), for assignee "me" and assignToMe. */
  myUserId?: string | null;
  /** Page size (the API's limit). */
  limit?: number;
  enabled?: boolean;
}

/** The fields PATCH /api/voicemails/{id} changes (assignedTo null unassigns, notes null clears them). */
export type VoicemailPatch = RestSchemas["VoicemailPatch"];

export interface VoicemailsResult {
  /** Newest first. */
  voicemails: Voicemail[];
  loaded: boolean;
  loading: boolean;
  loadingMore: boolean;
  hasMore: boolean;
  /** The last load's error. */
  error: string | null;
  loadMore: () => Promise<void>;
  refresh: () => void;
  /** PATCH /api/voicemails/{id}; resolves with the server's record, rejects with its message. */
  update: (id: string, patch: VoicemailPatch) => Promise<Voicemail>;
  markListened: (id: string) => Promise<Voicemail>;
  assign: (id: string, userId: string | null) => Promise<Voicemail>;
  /** Assigns to myUserId. */
  assignToMe: (id: string) => Promise<Voicemail>;
  setNotes: (id: string, notes: string) => Promise<Voicemail>;
  /** Ids with an action in flight. */
  pending: readonly string[];
  /** The last action's error. */
  actionError: string | null;
  clearActionError: () => void;
}

/**
 * Voicemails: GET /api/voicemails (cursor pages), live voicemail_created and
 * voicemail_updated, actions through PATCH whose answers (not guesses) update
 * the list; reloaded after every reconnection that was not recovered.
 */
export function useVoicemails({
  status,
  assignee,
  myUserId = null,
  limit,
  enabled = true,
}: UseVoicemailsOptions = {}): VoicemailsResult {
  const { api } = useSocket();
  const [state, dispatch] = useReducer(voicemailsReducer, undefined, () =>
    initialVoicemails({ status, assignee }, myUserId),
  );
  const filterKey = `${status ?? ""}|${assignee ?? ""}`;
  const firstKey = useRef(filterKey);
  useEffect(() => {
    if (firstKey.current === filterKey) return;
    firstKey.current = filterKey;
    dispatch({ type: "filter", filter: { status, assignee } });
  }, [filterKey, status, assignee]);
  useEffect(() => dispatch({ type: "me", userId: myUserId }), [myUserId]);

  const seqRef = useRef(state.list.seq);
  seqRef.current = state.list.seq;
  const waitingForMe = assignee === "me" && !myUserId;
  const loader = useListLoader<Voicemail>({
    enabled: enabled && !waitingForMe,
    key: filterKey,
    seq: state.list.seq,
    nextCursor: state.list.nextCursor,
    fetchPage: (cursor, signal) =>
      api<Page<unknown>>("/api/voicemails", { query: { status, assignee, cursor, limit }, signal }).then((p) =>
        parseItems(p, parseVoicemail),
      ),
    onSnapshot: (p, requestedAt) => dispatch({ type: "snapshot", ...p, requestedAt }),
    onPage: (p, requestedAt) => dispatch({ type: "page", ...p, requestedAt }),
  });

  useSocketEvent(enabled ? VOICEMAIL_EVENTS : NO_EVENTS, (event, payload) => {
    if (event === "voicemail_created") {
      const e = payload as VoicemailCreated;
      dispatch({ type: "created", event: e });
      // The event has no notes or transcription: the record has.
      const requestedAt = seqRef.current + 1;
      api<unknown>(`/api/voicemails/${encodeURIComponent(e.voicemailId)}`).then(
        (raw) => {
          const v = parseVoicemail(raw);
          if (v) dispatch({ type: "fetched", voicemail: v, requestedAt });
        },
        () => {},
      );
    } else if (event === "voicemail_updated") {
      dispatch({ type: "updated", event: payload as VoicemailUpdated });
    }
  });

  const { pending, actionError, run, clearError } = useActions();
  const update = useCallback(
    (id: string, patch: VoicemailPatch) =>
      run(id, async () => {
        const raw = await api<unknown>(`/api/voicemails/${encodeURIComponent(id)}`, { method: "PATCH", body: patch });
        const v = parseVoicemail(raw);
        if (!v) throw new Error("unexpected answer from the server");
        dispatch({ type: "confirmed", voicemail: v });
        return v;
      }),
    [api, run],
  );
  const meRef = useRef(myUserId);
  meRef.current = myUserId;
  const markListened = useCallback((id: string) => update(id, { status: "listened" }), [update]);
  const assign = useCallback((id: string, userId: string | null) => update(id, { assignedTo: userId }), [update]);
  const assignToMe = useCallback(
    (id: string) => (meRef.current ? update(id, { assignedTo: meRef.current }) : Promise.reject(new Error("who I am is not known yet"))),
    [update],
  );
  const setNotes = useCallback((id: string, notes: string) => update(id, { notes }), [update]);

  const voicemails = useMemo(() => voicemailList(state), [state]);
  return {
    voicemails,
    loaded: state.list.loaded,
    loading: loader.loading,
    loadingMore: loader.loadingMore,
    hasMore: state.list.nextCursor !== null,
    error: loader.error,
    loadMore: loader.loadMore,
    refresh: loader.refresh,
    update,
    markListened,
    assign,
    assignToMe,
    setNotes,
    pending,
    actionError,
    clearActionError: clearError,
  };
}
