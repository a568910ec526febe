import { describe, expect, it } from "vitest";
import { RecentIds, rememberId } from "./dedupe";

describe("RecentIds", () => {
  it("reports a repeated id", () => {
    const ids = new RecentIds(10);
    expect(ids.add("a")).toBe(true);
    expect(ids.add("a")).toBe(false);
    expect(ids.has("a")).toBe(true);
  });

  it("forgets the oldest beyond its limit", () => {
    const ids = new RecentIds(2);
    ids.add("a");
    ids.add("b");
    ids.add("c");
    expect(ids.size).toBe(2);
    expect(ids.has("a")).toBe(false);
    expect(ids.has("b")).toBe(true);
    expect(ids.has("c")).toBe(true);
  });

  it("refuses a limit below 1", () => {
    expect(() => new RecentIds(0)).toThrow(RangeError);
  });
});

describe("rememberId", () => {
  it("appends without changing its input and keeps the last limit ids", () => {
    const seen = ["a", "b", "c"];
    expect(rememberId(seen, "d", 3)).toEqual(["b", "c", "d"]);
    expect(rememberId(seen, "d", 10)).toEqual(["a", "b", "c", "d"]);
    expect(seen).toEqual(["a", "b", "c"]);
  });
});
