import { describe, expect, it } from "vitest";
import {
  applyConfirmed,
  applyLive,
  applyPage,
  applySnapshot,
  collectionItems,
  emptyCollection,
  needsRefetch,
  newestFirst,
  parseItems,
  type Collection,
} from "./collection";

interface R {
  id: string;
  v: number;
}
const key = (r: R) => r.id;
const byId = (a: R, b: R) => a.id.localeCompare(b.id);

describe("collection", () => {
  it("a snapshot replaces the records and marks the collection loaded", () => {
    let c: Collection<R> = emptyCollection();
    c = applySnapshot(c, [{ id: "a", v: 1 }, { id: "b", v: 1 }], key, "cur1", 0);
    expect(c.loaded).toBe(true);
    expect(c.nextCursor).toBe("cur1");
    c = applySnapshot(c, [{ id: "b", v: 2 }], key, null, c.seq);
    expect(collectionItems(c, byId)).toEqual([{ id: "b", v: 2 }]);
    expect(c.nextCursor).toBeNull();
  });

  it("a page merges records, unique by id", () => {
    let c = applySnapshot(emptyCollection<R>(), [{ id: "a", v: 1 }], key, "x", 0);
    c = applyPage(c, [{ id: "a", v: 1 }, { id: "b", v: 1 }], key, null, c.seq);
    expect(collectionItems(c, byId).map((r) => r.id)).toEqual(["a", "b"]);
  });

  it("a live write after a request is not overwritten by that request's answer", () => {
    let c = applySnapshot(emptyCollection<R>(), [{ id: "a", v: 1 }], key, null, 0);
    const requestedAt = c.seq;
    c = applyLive(c, "e1", "a", (cur) => (cur ? { ...cur, v: 5 } : undefined));
    c = applyLive(c, "e2", "z", () => ({ id: "z", v: 1 }));
    c = applySnapshot(c, [{ id: "a", v: 1 }], key, null, requestedAt);
    expect(collectionItems(c, byId)).toEqual([
      { id: "a", v: 5 },
      { id: "z", v: 1 },
    ]);
  });

  it("a removal is not undone by an older answer (tombstone)", () => {
    let c = applySnapshot(emptyCollection<R>(), [{ id: "a", v: 1 }], key, null, 0);
    const requestedAt = c.seq;
    c = applyLive(c, "e1", "a", () => null);
    c = applyPage(c, [{ id: "a", v: 1 }], key, null, requestedAt);
    expect(c.byId.a).toBeUndefined();
    c = applySnapshot(c, [{ id: "a", v: 1 }], key, null, requestedAt);
    expect(c.byId.a).toBeUndefined();
    // A later answer does bring it back.
    c = applySnapshot(c, [{ id: "a", v: 2 }], key, null, c.seq);
    expect(c.byId.a).toEqual({ id: "a", v: 2 });
  });

  it("drops an event seen before", () => {
    let c = emptyCollection<R>();
    c = applyLive(c, "e1", "a", (cur) => ({ id: "a", v: (cur?.v ?? 0) + 1 }));
    const again = applyLive(c, "e1", "a", (cur) => ({ id: "a", v: (cur?.v ?? 0) + 1 }));
    expect(again).toBe(c);
    expect(c.byId.a?.v).toBe(1);
  });

  it("a confirmed record is a live write", () => {
    let c = applySnapshot(emptyCollection<R>(), [{ id: "a", v: 1 }], key, null, 0);
    const requestedAt = c.seq;
    c = applyConfirmed(c, { id: "a", v: 9 }, key);
    c = applySnapshot(c, [{ id: "a", v: 1 }], key, null, requestedAt);
    expect(c.byId.a?.v).toBe(9);
  });

  it("refetches at mount, on the first connection and after each reconnection that was not recovered", () => {
    expect(needsRefetch(0, false)).toBe(true);
    expect(needsRefetch(1, false)).toBe(true);
    expect(needsRefetch(2, false)).toBe(true);
    expect(needsRefetch(2, true)).toBe(false);
    expect(needsRefetch(5, true)).toBe(false);
  });

  it("parses pages, dropping malformed items", () => {
    const parse = (raw: unknown) => (typeof raw === "number" ? raw : null);
    expect(parseItems({ items: [1, "x", 2], nextCursor: "c" }, parse)).toEqual({ items: [1, 2], nextCursor: "c" });
    expect(parseItems(null, parse)).toEqual({ items: [], nextCursor: null });
  });
});

describe("newestFirst", () => {
  it("compares instants, whatever their fractional digits", () => {
    const sorted = ["2025-01-01T00:00:00.5Z", "2025-01-01T00:00:00Z", "2025-01-01T00:00:00.418986874Z", "2025-01-01T00:00:00.418327Z"]
      .map((t, i) => ({ t, id: String(i) }))
      .sort((a, b) => newestFirst(a.t, b.t, a.id, b.id))
      .map((x) => x.t);
    expect(sorted).toEqual([
      "2025-01-01T00:00:00.5Z",
      "2025-01-01T00:00:00.418986874Z",
      "2025-01-01T00:00:00.418327Z",
      "2025-01-01T00:00:00Z",
    ]);
    expect(newestFirst(null, "2025-01-01T00:00:00Z", "a", "b")).toBeGreaterThan(0);
  });
});
