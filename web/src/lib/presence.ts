import type { UserPresenceUpdated } from "../generated/events.js";
import type { RestSchemas } from "./rest.js";

export type PresenceStatus = UserPresenceUpdated["status"];
/** The statuses a user can choose (offline is derived from having no connection). */
export type SettableStatus = Exclude<PresenceStatus, "offline">;
export const SETTABLE_STATUSES: readonly SettableStatus[] = ["online", "away", "busy"];

/**
 * One user's presence, as GET /api/presence lists it. version orders a
 * user's changes (events from several nodes may arrive out of order); it
 * and role may be absent from older servers.
 */
export type PresenceUser = Omit<RestSchemas["PresenceEntry"], "role" | "version"> & { role?: string; version?: number };

export interface PresenceState {
  /** By userId; seq is the update that last wrote the entry. */
  users: Record<string, PresenceUser & { seq: number }>;
  /** Counts live updates; a snapshot requested at seq s does not overwrite entries updated after s. */
  seq: number;
  /** Whether a snapshot has been applied. */
  loaded: boolean;
}

export type PresenceAction =
  /**
   * A list of users' presence requested when the state's seq was
   * requestedAt: GET /api/presence, or (with only) a presence:watch answer,
   * which covers only the users it was asked about.
   */
  | {
      type: "snapshot";
      items: readonly PresenceUser[];
      requestedAt: number;
      /** The users the snapshot covers (those asked about); the other users' entries are kept. Default: all. */
      only?: readonly string[];
    }
  | { type: "update"; user: PresenceUser }
  /** Several users' changes at once (a batched user_presence_updated): each applied as an update. */
  | { type: "batch"; users: readonly PresenceUser[] };

export const initialPresence: PresenceState = { users: {}, seq: 0, loaded: false };

const STATUSES = new Set<string>(["online", "away", "busy", "offline"]);

/** Checks one entry of GET /api/presence (or a user_presence_updated payload). */
export function parsePresenceUser(raw: unknown): PresenceUser | null {
  if (raw === null || typeof raw !== "object") return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.userId !== "string" || r.userId === "" || typeof r.status !== "string" || !STATUSES.has(r.status)) {
    return null;
  }
  const u: PresenceUser = {
    userId: r.userId,
    department: typeof r.department === "string" ? r.department : "",
    status: r.status as PresenceStatus,
    lastSeenAt: typeof r.lastSeenAt === "string" ? r.lastSeenAt : "",
  };
  if (typeof r.version === "number" && Number.isFinite(r.version) && r.version > 0) u.version = r.version;
  if (typeof r.name === "string" && r.name !== "") u.name = r.name;
  if (typeof r.role === "string" && r.role !== "") u.role = r.role;
  return u;
}

/**
 * The changes a user_presence_updated payload carries. A batch (the
 * service coalesces a department's changes within KIN_PRESENCE_INTERVAL)
 * lists them in `users`, all of the batch's department (an entry's
 * lastSeenAt, absent but for offline users, is the batch's occurredAt); a
 * single update is the payload itself. Invalid entries are left out.
 */
export function parsePresenceEvent(raw: unknown): PresenceUser[] {
  if (raw === null || typeof raw !== "object") return [];
  const r = raw as Record<string, unknown>;
  if (!Array.isArray(r.users)) {
    const one = parsePresenceUser(raw);
    return one ? [one] : [];
  }
  const department = typeof r.department === "string" ? r.department : "";
  const at = typeof r.occurredAt === "string" ? r.occurredAt : "";
  const out: PresenceUser[] = [];
  for (const entry of r.users) {
    if (entry === null || typeof entry !== "object") continue;
    const e = entry as Record<string, unknown>;
    // An entry's department is the batch's, whatever the entry says; an
    // entry without lastSeenAt (all but offline ones) was seen at the batch's time.
    const user = parsePresenceUser({ lastSeenAt: at, ...e, department });
    if (user) out.push(user);
  }
  return out;
}

/**
 * The team's presence. A snapshot (GET /api/presence) replaces the list,
 * except for the users updated live after it was requested: the snapshot is
 * older than those, and for the users it holds at an older version. A
 * snapshot with only (a presence:watch answer) does the same for the users
 * of only and leaves the others' entries alone: a user of only that it
 * does not hold is one the server does not know, and is dropped. An update
 * (user_presence_updated, or PUT /api/presence/me's answer) upserts one user,
 * unless the user is already at a later version: the nodes of a cluster
 * publish concurrently, so a late event can carry an older change. A batch
 * (parsePresenceEvent) applies each of its users as an update, in one step.
 */
export function presenceReducer(state: PresenceState, action: PresenceAction): PresenceState {
  switch (action.type) {
    case "snapshot": {
      const only = action.only ? new Set(action.only) : null;
      const users: PresenceState["users"] = {};
      for (const item of action.items) {
        if (!only || only.has(item.userId)) users[item.userId] = { ...item, seq: action.requestedAt };
      }
      for (const [id, u] of Object.entries(state.users)) {
        // Users the snapshot does not cover stay as they are.
        if ((only && !only.has(id)) || u.seq > action.requestedAt || newer(u, users[id])) users[id] = u;
      }
      return { ...state, users, loaded: true };
    }
    case "update": {
      const seq = state.seq + 1;
      const users = upsert(state.users, action.user, seq, false);
      return users === state.users ? state : { ...state, seq, users };
    }
    case "batch": {
      // One new state for the whole batch, however many users it holds.
      const seq = state.seq + 1;
      let users = state.users;
      for (const user of action.users) users = upsert(users, user, seq, users !== state.users);
      return users === state.users ? state : { ...state, seq, users };
    }
  }
}

/**
 * users with user upserted at seq, unless users holds a later change of
 * the user (then users itself). owned: users is a copy made for this
 * action, which may be written in place.
 */
function upsert(
  users: PresenceState["users"],
  user: PresenceUser,
  seq: number,
  owned: boolean,
): PresenceState["users"] {
  const prev = users[user.userId];
  if (prev && newer(prev, user)) return users; // a late event of an older change
  const merged = { ...prev, ...user, seq };
  // Keep known name and role when an update leaves them out.
  if (!user.name && prev?.name) merged.name = prev.name;
  if (!user.role && prev?.role) merged.role = prev.role;
  const out = owned ? users : { ...users };
  out[user.userId] = merged;
  return out;
}

/** Whether a is a later change of the user than b, by their versions (when both have one). */
function newer(a: PresenceUser, b: PresenceUser | undefined): boolean {
  return b !== undefined && a.version !== undefined && b.version !== undefined && a.version > b.version;
}

/**
 * The socket event with which a socket says whose presence changes it
 * gets (docs/presence.md, "The watched scope"): payload
 * PresenceWatchRequest, acknowledged with a PresenceWatchAnswer. With
 * KIN_PRESENCE_SCOPE=watched (GET /api/me's presenceScope "watched") a
 * socket gets only its own user's changes and those of the users it
 * watches; in the department scope it gets its department's anyway, and
 * watching only answers the watched users' current presence.
 */
export const PRESENCE_WATCH_EVENT = "presence:watch";

/** The most users one socket may watch, over all departments. */
export const MAX_WATCHED = 1000;

/**
 * presence:watch's payload: the users of one department to watch, in place
 * of those the socket watched there before (an empty list: nobody there).
 * department defaults to the caller's own; an admin must name one; a
 * non-admin may name only their own.
 */
export interface PresenceWatchRequest {
  userIds: string[];
  department?: string;
}

/**
 * presence:watch's acknowledgement, checked: the current presence of the
 * watched users the server knows (a user it never saw is left out), or
 * why the request was refused (then the socket watches what it did before).
 */
export interface PresenceWatchAnswer {
  users: PresenceUser[];
  error: string | null;
}

/** Checks presence:watch's acknowledgement ({users?, error?}); invalid entries are left out. */
export function parseWatchAnswer(raw: unknown): PresenceWatchAnswer {
  if (raw === null || typeof raw !== "object") return { users: [], error: `${PRESENCE_WATCH_EVENT}: unexpected answer` };
  const r = raw as Record<string, unknown>;
  if (typeof r.error === "string" && r.error !== "") return { users: [], error: r.error };
  const users = (Array.isArray(r.users) ? r.users : []).map(parsePresenceUser).filter((u): u is PresenceUser => u !== null);
  return { users, error: null };
}

const RANK: Record<PresenceStatus, number> = { online: 0, busy: 1, away: 2, offline: 3 };

/** Users by status (online, busy, away, offline), then by name. */
export function sortPresence(users: readonly PresenceUser[]): PresenceUser[] {
  return [...users].sort(
    (a, b) =>
      RANK[a.status] - RANK[b.status] ||
      (a.name ?? a.userId).localeCompare(b.name ?? b.userId, undefined, { sensitivity: "base" }) ||
      a.userId.localeCompare(b.userId),
  );
}

/** The users of a state, sorted, without bookkeeping. */
export function presenceList(state: PresenceState): PresenceUser[] {
  return sortPresence(Object.values(state.users).map(({ seq: _seq, ...u }) => u));
}

export const STATUS_LABEL: Record<PresenceStatus, string> = {
  online: "Online",
  away: "Away",
  busy: "Busy",
  offline: "Offline",
};
