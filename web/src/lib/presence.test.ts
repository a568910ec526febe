import { describe, expect, it } from "vitest";
import {
  initialPresence,
  parsePresenceUser,
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
