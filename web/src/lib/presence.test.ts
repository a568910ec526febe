import { describe, expect, it } from "vitest";
import {
  initialPresence,
  parsePresenceEvent,
  parsePresenceUser,
  parseWatchAnswer,
  presenceList,
  presenceReducer,
  sortPresence,
  type PresenceUser,
} from "./presence";

const u = (userId: string, status: PresenceUser["status"], name = userId): PresenceUser => ({
  userId,
  name,
  department: "support",
  status,
  lastSeenAt: "2025-01-01T00:00:00Z",
});

describe("presenceReducer", () => {
  it("loads a snapshot", () => {
    const s = presenceReducer(initialPresence, { type: "snapshot", items: [u("a", "online"), u("b", "away")], requestedAt: 0 });
    expect(s.loaded).toBe(true);
    expect(presenceList(s).map((x) => [x.userId, x.status])).toEqual([
      ["a", "online"],
      ["b", "away"],
    ]);
  });

  it("upserts live updates", () => {
    let s = presenceReducer(initialPresence, { type: "snapshot", items: [u("a", "online")], requestedAt: 0 });
    s = presenceReducer(s, { type: "update", user: u("a", "busy") });
    s = presenceReducer(s, { type: "update", user: u("c", "online") });
    expect(presenceList(s).map((x) => [x.userId, x.status])).toEqual([
      ["c", "online"],
      ["a", "busy"],
    ]);
  });

  it("keeps a name the update leaves out", () => {
    let s = presenceReducer(initialPresence, { type: "update", user: u("a", "online", "Ada") });
    const { name: _n, ...anonymous } = u("a", "offline");
    s = presenceReducer(s, { type: "update", user: anonymous });
    expect(presenceList(s)[0]).toMatchObject({ name: "Ada", status: "offline" });
  });

  it("does not let a snapshot requested before an update undo it", () => {
    // The list is requested (at seq 0), then a live update arrives, then the (older) list.
    let s = initialPresence;
    const requestedAt = s.seq;
    s = presenceReducer(s, { type: "update", user: u("a", "offline") });
    s = presenceReducer(s, { type: "update", user: u("new", "online") });
    s = presenceReducer(s, { type: "snapshot", items: [u("a", "online"), u("b", "online")], requestedAt });
    const byId = Object.fromEntries(presenceList(s).map((x) => [x.userId, x.status]));
    expect(byId).toEqual({ a: "offline", b: "online", new: "online" });
  });

  it("ignores an event of an older change that arrives late", () => {
    // Two nodes published online (version 3) and offline (version 4); 4 came first.
    let s = presenceReducer(initialPresence, { type: "update", user: { ...u("a", "offline"), version: 4 } });
    s = presenceReducer(s, { type: "update", user: { ...u("a", "online"), version: 3 } });
    expect(presenceList(s)[0]).toMatchObject({ status: "offline", version: 4 });
    s = presenceReducer(s, { type: "update", user: { ...u("a", "busy"), version: 5 } });
    expect(presenceList(s)[0]).toMatchObject({ status: "busy", version: 5 });
  });

  it("keeps a user's later version over an older snapshot's", () => {
    let s = presenceReducer(initialPresence, { type: "update", user: { ...u("a", "away"), version: 7 } });
    s = presenceReducer(s, { type: "snapshot", items: [{ ...u("a", "online"), version: 6 }], requestedAt: s.seq });
    expect(presenceList(s)[0]).toMatchObject({ status: "away", version: 7 });
    s = presenceReducer(s, { type: "snapshot", items: [{ ...u("a", "offline"), version: 8 }], requestedAt: s.seq });
    expect(presenceList(s)[0]).toMatchObject({ status: "offline", version: 8 });
  });

  it("drops users missing from a newer snapshot", () => {
    let s = presenceReducer(initialPresence, { type: "update", user: u("gone", "online") });
    s = presenceReducer(s, { type: "snapshot", items: [u("a", "online")], requestedAt: s.seq });
    expect(presenceList(s).map((x) => x.userId)).toEqual(["a"]);
  });
});

describe("sortPresence", () => {
  it("sorts by status, then name", () => {
    const sorted = sortPresence([u("1", "offline", "Zed"), u("2", "away", "Bea"), u("3", "online", "carl"), u("4", "busy", "Al"), u("5", "online", "Abe")]);
    expect(sorted.map((x) => x.name)).toEqual(["Abe", "carl", "Al", "Bea", "Zed"]);
  });
});

describe("parsePresenceUser", () => {
  it("checks entries", () => {
    expect(parsePresenceUser({ userId: "a", status: "away", department: "d", lastSeenAt: "t", name: "A", role: "agent" })).toEqual({
      userId: "a",
      status: "away",
      department: "d",
      lastSeenAt: "t",
      name: "A",
      role: "agent",
    });
    expect(parsePresenceUser({ userId: "a", status: "sleeping" })).toBeNull();
    expect(parsePresenceUser({ status: "online" })).toBeNull();
    expect(parsePresenceUser(undefined)).toBeNull();
  });
});

describe("batches", () => {
  const batch = {
    id: "e1",
    occurredAt: "2025-01-01T00:05:00Z",
    userId: "a",
    department: "sales",
    status: "online",
    lastSeenAt: "2025-01-01T00:00:00Z",
    version: 5,
    users: [
      { userId: "a", name: "Ada", status: "online", lastSeenAt: "2025-01-01T00:00:00Z", version: 5 },
      { userId: "b", name: "Bob", role: "agent", status: "busy", version: 2 },
      { userId: "", status: "online" },
      { userId: "c", status: "dancing" },
      null,
      { userId: "d", department: "support", status: "offline", lastSeenAt: "2025-01-01T00:00:00Z", version: 9 },
    ],
  };

  it("parses every valid entry of a batch, in the batch's department", () => {
    const users = parsePresenceEvent(batch);
    expect(users.map((x) => [x.userId, x.status, x.department, x.version])).toEqual([
      ["a", "online", "sales", 5],
      ["b", "busy", "sales", 2],
      ["d", "offline", "sales", 9],
    ]);
    expect(users[1]).toMatchObject({ name: "Bob", role: "agent", lastSeenAt: "2025-01-01T00:05:00Z" });
  });

  it("parses a single update as one change, and junk as none", () => {
    const { users: _u, ...single } = batch;
    expect(parsePresenceEvent(single).map((x) => x.userId)).toEqual(["a"]);
    expect(parsePresenceEvent(null)).toEqual([]);
    expect(parsePresenceEvent({ users: "x" })).toEqual([]);
    expect(parsePresenceEvent({ department: "sales", users: [] })).toEqual([]);
  });

  it("applies a batch in one step, each user by its version", () => {
    let s = presenceReducer(initialPresence, {
      type: "snapshot",
      items: [
        { ...u("a", "offline"), version: 7 },
        { ...u("b", "offline", "Bob"), version: 1 },
      ],
      requestedAt: 0,
    });
    const before = s.seq;
    s = presenceReducer(s, { type: "batch", users: parsePresenceEvent(batch) });
    expect(s.seq).toBe(before + 1);
    const byId = Object.fromEntries(presenceList(s).map((x) => [x.userId, x.status]));
    // a is at version 7 already: the batch's version 5 is older.
    expect(byId).toEqual({ a: "offline", b: "busy", d: "offline" });
  });

  it("returns the same state for a batch of only older changes", () => {
    const s = presenceReducer(initialPresence, { type: "update", user: { ...u("a", "offline"), version: 9 } });
    expect(presenceReducer(s, { type: "batch", users: [{ ...u("a", "online"), version: 3 }] })).toBe(s);
    expect(presenceReducer(s, { type: "batch", users: [] })).toBe(s);
  });

  it("does not let an older snapshot undo a batch", () => {
    let s = initialPresence;
    const requestedAt = s.seq;
    s = presenceReducer(s, { type: "batch", users: [u("a", "online"), u("b", "away")] });
    s = presenceReducer(s, { type: "snapshot", items: [u("a", "offline"), u("b", "offline")], requestedAt });
    const byId = Object.fromEntries(presenceList(s).map((x) => [x.userId, x.status]));
    expect(byId).toEqual({ a: "online", b: "away" });
  });
});

describe("presence:watch answers", () => {
  const v = (x: PresenceUser, version: number): PresenceUser => ({ ...x, version });

  it("a snapshot with only replaces the users it covers and leaves the others", () => {
    let s = presenceReducer(initialPresence, { type: "update", user: u("me", "busy") });
    s = presenceReducer(s, { type: "update", user: v(u("a", "online"), 1) });
    s = presenceReducer(s, { type: "update", user: v(u("b", "online"), 1) });
    const requestedAt = s.seq;
    s = presenceReducer(s, { type: "update", user: v(u("c", "away"), 4) }); // after the request
    s = presenceReducer(s, {
      type: "snapshot",
      // x was not asked about: not taken; b is unknown to the server: dropped.
      items: [v(u("a", "offline"), 2), v(u("c", "online"), 3), u("x", "online")],
      requestedAt,
      only: ["a", "b", "c"],
    });
    expect(s.loaded).toBe(true);
    const byId = Object.fromEntries(presenceList(s).map((x) => [x.userId, x.status]));
    expect(byId).toEqual({ me: "busy", a: "offline", c: "away" });
  });

  it("parses the acknowledgement", () => {
    expect(parseWatchAnswer({ users: [{ userId: "a", status: "online", version: 3 }, { userId: "", status: "online" }] })).toEqual({
      users: [{ userId: "a", department: "", status: "online", lastSeenAt: "", version: 3 }],
      error: null,
    });
    expect(parseWatchAnswer({})).toEqual({ users: [], error: null });
    expect(parseWatchAnswer({ error: "nope", users: [{ userId: "a", status: "online" }] })).toEqual({ users: [], error: "nope" });
    expect(parseWatchAnswer("ok").error).toContain("presence:watch");
  });
});
