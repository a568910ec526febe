import { describe, expect, it } from "vitest";
import { statsAnswer } from "../test/stats";
import { availability, coalescer, parseStats, type AgentStat, type CoalescerClock } from "./stats";

describe("parseStats", () => {
  it("reads an answer of GET /api/stats", () => {
    const s = parseStats(statsAnswer());
    expect(s?.queue[0]).toEqual({ department: "sales", waiting: 2, longestWaitSeconds: 95 });
    expect(s?.agents.map((a) => `${a.userId}:${a.activity ?? "-"}`)).toEqual(["sally:Available", "simon:Break", "sam:-", "pat:Available"]);
    expect(s?.today).toMatchObject({ calls: 12, missedCalls: 2, voicemails: 1, smsIn: 7, smsOut: 5, timeZone: "UTC" });
    expect(s?.serviceLevel.percent).toBe(75);
    expect(s?.perMinute.calls).toHaveLength(60);
  });

  it.each([
    ["null", null],
    ["an array", []],
    ["no time", { ...statsAnswer(), generatedAt: 5 }],
    ["no today", { ...statsAnswer(), today: null }],
  ])("refuses %s", (_, raw) => {
    expect(parseStats(raw)).toBeNull();
  });

  it("keeps what it can of malformed parts", () => {
    const s = parseStats(statsAnswer({ queue: [null, { department: "x", waiting: "2" }], serviceLevel: { percent: "NaN" }, agents: "no" }));
    expect(s?.queue).toEqual([{ department: "x", waiting: 0, longestWaitSeconds: 0 }]);
    expect(s?.serviceLevel.percent).toBeNull();
    expect(s?.agents).toEqual([]);
  });
});

describe("availability", () => {
  const agent = (presence: string, workerStatus: string | null): AgentStat => ({
    userId: "u",
    name: "U",
    department: "sales",
    role: "agent",
    presence,
    activity: null,
    activitySince: null,
    workerStatus,
    workerSid: null,
  });
  it.each([
    ["offline", "available", "offline"],
    ["online", "available", "available"],
    ["online", "busy", "busy"],
    ["online", "offline", "offline"],
    ["online", null, "available"],
    ["away", null, "busy"],
    ["busy", null, "busy"],
  ])("presence %s, worker %s: %s", (presence, worker, want) => {
    expect(availability(agent(presence, worker))).toBe(want);
  });
});

/** A clock the test moves by hand. */
function manualClock() {
  let now = 0;
  let timers: { at: number; fn: () => void; id: number }[] = [];
  let next = 1;
  const clock: CoalescerClock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const id = next++;
      timers.push({ at: now + ms, fn, id });
      return id;
    },
    clearTimeout: (id) => {
      timers = timers.filter((t) => t.id !== id);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    const due = timers.filter((t) => t.at <= now);
    timers = timers.filter((t) => t.at > now);
    due.forEach((t) => t.fn());
  };
  return { clock, advance, pending: () => timers.length };
}

describe("coalescer", () => {
  it("runs at most once per interval and never twice at once", () => {
    const { clock, advance, pending } = manualClock();
    let runs = 0;
    const c = coalescer(() => runs++, 1000, clock);
    c.request();
    expect(runs).toBe(1); // the first runs at once
    c.request();
    c.request();
    expect(runs).toBe(1); // in flight: remembered once
    advance(300);
    c.done(); // ended 300 ms after it started: the next waits 700 ms
    expect(runs).toBe(1);
    expect(pending()).toBe(1);
    c.request(); // already scheduled
    advance(699);
    expect(runs).toBe(1);
    advance(1);
    expect(runs).toBe(2);
    c.done();
    advance(5000);
    expect(runs).toBe(2); // nothing asked
    c.request();
    expect(runs).toBe(3); // long after: at once
  });

  it("cancel drops the pending run and the one in flight", () => {
    const { clock, advance } = manualClock();
    let runs = 0;
    const c = coalescer(() => runs++, 1000, clock);
    c.request();
    c.done();
    c.request();
    c.cancel();
    advance(2000);
    expect(runs).toBe(1);
    c.request(); // a run in flight when cancelled does not block the next
    c.request();
    c.cancel();
    c.request(); // not blocked by the run cancelled, only by the interval
    expect(runs).toBe(2);
    advance(1000);
    expect(runs).toBe(3);
  });
});
