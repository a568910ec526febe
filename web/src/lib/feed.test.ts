import { describe, expect, it } from "vitest";
import { call, message, voicemail } from "../test/fixtures";
import { activityFromEvent, mergeActivity, newestTime, parseActivityItem, type ActivityItem } from "./feed";

const item = (id: string, sec: number): ActivityItem =>
  activityFromEvent("call_incoming", call({ id, occurredAt: new Date(Date.UTC(2025, 0, 1, 0, 0, sec)).toISOString() }));

describe("mergeActivity", () => {
  it("orders newest first", () => {
    const feed = mergeActivity([], [item("a", 1), item("c", 3), item("b", 2)], 10);
    expect(feed.map((i) => i.id)).toEqual(["c", "b", "a"]);
  });

  it("keeps one entry per id", () => {
    const a = item("a", 1);
    let feed = mergeActivity([], [a, item("b", 2)], 10);
    feed = mergeActivity(feed, [item("a", 1), item("b", 2), item("c", 3)], 10);
    expect(feed.map((i) => i.id)).toEqual(["c", "b", "a"]);
    // The first copy is kept.
    expect(feed[2]).toBe(a);
  });

  it("is bounded, dropping the oldest", () => {
    let feed: ActivityItem[] = [];
    for (let s = 0; s < 20; s++) feed = mergeActivity(feed, [item(`e${s}`, s)], 5);
    expect(feed.map((i) => i.id)).toEqual(["e19", "e18", "e17", "e16", "e15"]);
    // An old event delivered late does not push out newer ones.
    expect(mergeActivity(feed, [item("late", 0)], 5)).toBe(feed);
  });

  it("trims to a smaller max", () => {
    const feed = mergeActivity([], [item("a", 1), item("b", 2), item("c", 3)], 10);
    expect(mergeActivity(feed, [], 2).map((i) => i.id)).toEqual(["c", "b"]);
  });

  it("returns the same array when nothing changes", () => {
    const feed = mergeActivity([], [item("a", 1)], 10);
    expect(mergeActivity(feed, [item("a", 1)], 10)).toBe(feed);
    expect(mergeActivity(feed, [], 10)).toBe(feed);
  });

  it("puts a new item before existing ones of the same instant", () => {
    const feed = mergeActivity([item("x", 5)], [item("y", 5)], 10);
    expect(feed.map((i) => i.id)).toEqual(["y", "x"]);
  });
});

describe("parseActivityItem", () => {
  it("accepts the API's items", () => {
    const p = voicemail();
    const got = parseActivityItem({ id: p.id, type: "voicemail_created", payload: p, occurredAt: p.occurredAt });
    expect(got).toEqual({ id: p.id, type: "voicemail_created", payload: p, occurredAt: p.occurredAt });
  });

  it("fills the payload's id and time from the item", () => {
    const { id: _id, occurredAt: _at, ...rest } = message();
    const got = parseActivityItem({ id: "x1", type: "message_received", payload: rest, occurredAt: "2025-01-01T00:00:00Z" });
    expect(got?.payload).toMatchObject({ id: "x1", occurredAt: "2025-01-01T00:00:00Z" });
  });

  it("drops unknown types and malformed items", () => {
    expect(parseActivityItem({ id: "1", type: "something_new", payload: {}, occurredAt: "" })).toBeNull();
    expect(parseActivityItem({ id: 1, type: "call_incoming", payload: {} })).toBeNull();
    expect(parseActivityItem({ id: "1", type: "call_incoming" })).toBeNull();
    expect(parseActivityItem(null)).toBeNull();
    expect(parseActivityItem("x")).toBeNull();
  });
});

describe("newestTime", () => {
  it("finds the newest occurredAt", () => {
    expect(newestTime([item("a", 1), item("c", 3), item("b", 2)])).toBe("2025-01-01T00:00:03.000Z");
    expect(newestTime([])).toBeUndefined();
  });
});
