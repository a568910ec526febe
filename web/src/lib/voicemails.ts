import type { VoicemailCreated, VoicemailUpdated } from "../generated/events.js";
import {
  applyConfirmed,
  applyLive,
  applyPage,
  applySnapshot,
  collectionItems,
  emptyCollection,
  newestFirst,
  num,
  obj,
  str,
  strOrNull,
  type Collection,
} from "./collection.js";
import type { RestSchemas } from "./rest.js";

export type VoicemailStatus = VoicemailCreated["status"];
export const VOICEMAIL_STATUSES: readonly VoicemailStatus[] = ["new", "listened", "archived"];
export const VOICEMAIL_STATUS_LABEL: Record<VoicemailStatus, string> = {
  new: "New",
  listened: "Listened",
  archived: "Archived",
};

/**
 * A voicemail as the REST API gives it (GET /api/voicemails); its mediaUrl
 * is the recording, proxied by the service (same origin, session cookie).
 */
export type Voicemail = RestSchemas["Voicemail"];

const isStatus = (s: unknown): s is VoicemailStatus => typeof s === "string" && (VOICEMAIL_STATUSES as readonly string[]).includes(s);

/** Checks a voicemail of the REST API. */
export function parseVoicemail(raw: unknown): Voicemail | null {
  const r = obj(raw);
  if (!r || typeof r.id !== "string" || r.id === "" || !isStatus(r.status)) return null;
  const v: Voicemail = {
    id: r.id,
    callSid: str(r.callSid),
    recordingSid: str(r.recordingSid),
    from: str(r.from),
    to: str(r.to),
    department: str(r.department),
    status: r.status,
    assignedTo: strOrNull(r.assignedTo),
    notes: str(r.notes),
    durationSeconds: num(r.durationSeconds),
    createdAt: str(r.createdAt),
    mediaUrl: str(r.mediaUrl, voicemailMediaUrl(r.id)),
  };
  if (typeof r.callerName === "string" && r.callerName) v.callerName = r.callerName;
  if (typeof r.transcription === "string" && r.transcription) v.transcription = r.transcription;
  if (typeof r.updatedAt === "string" && r.updatedAt) v.updatedAt = r.updatedAt;
  if (typeof r.updatedBy === "string" && r.updatedBy) v.updatedBy = r.updatedBy;
  return v;
}

/** The service's media route of a voicemail (what the API's mediaUrl is). */
export function voicemailMediaUrl(id: string): string {
  return `/api/voicemails/${encodeURIComponent(id)}/media`;
}

/** A voicemail from its voicemail_created event (until the API's record arrives). */
export function voicemailFromEvent(e: VoicemailCreated): Voicemail {
  const v: Voicemail = {
    id: e.voicemailId,
    callSid: e.callSid,
    recordingSid: e.recordingSid,
    from: e.from,
    to: e.to,
    department: e.department,
    status: e.status,
    assignedTo: e.assignedTo || null,
    notes: "",
    durationSeconds: e.durationSeconds,
    createdAt: e.occurredAt,
    mediaUrl: voicemailMediaUrl(e.voicemailId),
  };
  if (e.callerName) v.callerName = e.callerName;
  return v;
}

/** Which voicemails a list shows: a status and/or an assignee ("me" is resolved to myUserId). */
export interface VoicemailFilter {
  status?: VoicemailStatus | undefined;
  assignee?: string | undefined;
}

export interface VoicemailsState {
  list: Collection<Voicemail>;
  filter: VoicemailFilter;
  myUserId: string | null;
}

export type VoicemailsAction =
  | { type: "snapshot"; items: readonly Voicemail[]; nextCursor: string | null; requestedAt: number }
  | { type: "page"; items: readonly Voicemail[]; nextCursor: string | null; requestedAt: number }
  | { type: "created"; event: VoicemailCreated }
  | { type: "updated"; event: VoicemailUpdated }
  | { type: "confirmed"; voicemail: Voicemail }
  | { type: "fetched"; voicemail: Voicemail; requestedAt: number }
  | { type: "filter"; filter: VoicemailFilter }
  | { type: "me"; userId: string | null };

export function initialVoicemails(filter: VoicemailFilter = {}, myUserId: string | null = null): VoicemailsState {
  return { list: emptyCollection(), filter, myUserId };
}

/** Whether v belongs in a list with filter f. */
export function matchesVoicemail(v: Voicemail, f: VoicemailFilter, myUserId: string | null): boolean {
  if (f.status && v.status !== f.status) return false;
  if (f.assignee) {
    const who = f.assignee === "me" ? myUserId : f.assignee;
    if (v.assignedTo !== who) return false;
  }
  return true;
}

const key = (v: Voicemail) => v.id;

/**
 * The voicemail list: REST pages, then voicemail_created (adds) and
 * voicemail_updated (patches status, assignee, notes; drops it from a
 * filtered list it no longer matches), unique by voicemail id, newest first.
 */
export function voicemailsReducer(state: VoicemailsState, action: VoicemailsAction): VoicemailsState {
  const keep = (v: Voicemail) => (matchesVoicemail(v, state.filter, state.myUserId) ? v : null);
  switch (action.type) {
    case "snapshot":
      return { ...state, list: applySnapshot(state.list, action.items, key, action.nextCursor, action.requestedAt) };
    case "page":
      return { ...state, list: applyPage(state.list, action.items, key, action.nextCursor, action.requestedAt) };
    case "created": {
      const e = action.event;
      return {
        ...state,
        list: applyLive(state.list, e.id, e.voicemailId, (cur) => (cur ? undefined : keep(voicemailFromEvent(e)) ?? undefined)),
      };
    }
    case "updated": {
      const e = action.event;
      return {
        ...state,
        list: applyLive(state.list, e.id, e.voicemailId, (cur) => {
          if (!cur) return undefined; // not in this list; a refetch brings it if it now belongs
          const next: Voicemail = { ...cur, status: e.status, assignedTo: e.assignedTo || null };
          if (e.notes !== undefined) next.notes = e.notes;
          if (e.updatedBy) next.updatedBy = e.updatedBy;
          next.updatedAt = e.occurredAt;
          return keep(next);
        }),
      };
    }
    case "confirmed": {
      const v = action.voicemail;
      if (!matchesVoicemail(v, state.filter, state.myUserId)) {
        return { ...state, list: applyLive(state.list, null, v.id, (cur) => (cur ? null : undefined)) };
      }
      return { ...state, list: applyConfirmed(state.list, v, key) };
    }
    case "fetched": {
      const v = action.voicemail;
      if (!matchesVoicemail(v, state.filter, state.myUserId)) return state;
      return { ...state, list: applyPage(state.list, [v], key, state.list.nextCursor, action.requestedAt) };
    }
    case "filter":
      return initialVoicemails(action.filter, state.myUserId);
    case "me":
      return { ...state, myUserId: action.userId };
  }
}

/** The voicemails of a state, newest first. */
export function voicemailList(state: VoicemailsState): Voicemail[] {
  return collectionItems(state.list, (a, b) => newestFirst(a.createdAt, b.createdAt, a.id, b.id));
}
