import type { EventName } from "../generated/events.js";
import { num, obj, str, strOrNull } from "./collection.js";
import type { RestSchemas } from "./rest.js";

/** One department's queue: tasks no worker has accepted yet (pending or reserved), and how long the oldest has waited. */
export type QueueStat = RestSchemas["Queue"];

/**
 * A member of a department, offline ones included: presence is online,
 * away, busy or offline; activity, activitySince and workerStatus are null
 * without a TaskRouter worker. The API leaves workerSid out without one;
 * parseStats makes it null.
 */
export type AgentStat = Omit<RestSchemas["Agent"], "workerSid"> & { workerSid: string | null };

/** The day's counts, from midnight in the service's time zone. */
export type TodayStats = RestSchemas["Today"];

/** Today's inbound calls answered within the threshold, of those answered; percent is null when none was. */
export type ServiceLevelStat = RestSchemas["ServiceLevel"];

/** Calls and messages created in each minute of the last hour, oldest first. */
export type PerMinuteStats = RestSchemas["PerMinute"];

/** GET /api/stats: the state of the floor in the caller's departments. */
export type Stats = Omit<RestSchemas["Stats"], "agents"> & { agents: AgentStat[] };

/** The events after which the stats are fetched again. */
export const STATS_EVENTS: readonly EventName[] = [
  "voicemail_created",
  "voicemail_updated",
  "call_incoming",
  "call_status_changed",
  "call_completed",
  "message_received",
  "conversation_updated",
  "task_assigned",
  "task_accepted",
  "task_rejected",
  "task_completed",
  "worker_status_changed",
  "worker_activity_changed",
  "user_presence_updated",
];

const nums = (v: unknown): number[] => (Array.isArray(v) ? v.map((x) => num(x)) : []);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Checks GET /api/stats' answer; null when it is not one. */
export function parseStats(raw: unknown): Stats | null {
  const r = obj(raw);
  const today = obj(r?.today);
  const sl = obj(r?.serviceLevel);
  const pm = obj(r?.perMinute);
  if (!r || !today || !sl || !pm || typeof r.generatedAt !== "string") return null;
  return {
    generatedAt: r.generatedAt,
    departments: list(r.departments).filter((d): d is string => typeof d === "string"),
    queue: list(r.queue).flatMap((q) => {
      const o = obj(q);
      return o ? [{ department: str(o.department), waiting: num(o.waiting), longestWaitSeconds: num(o.longestWaitSeconds) }] : [];
    }),
    agents: list(r.agents).flatMap((a) => {
      const o = obj(a);
      if (!o) return [];
      return [
        {
          userId: str(o.userId),
          name: str(o.name) || str(o.userId) || str(o.workerSid),
          department: str(o.department),
          role: str(o.role),
          presence: str(o.presence, "offline"),
          activity: strOrNull(o.activity),
          activitySince: strOrNull(o.activitySince),
          workerStatus: strOrNull(o.workerStatus),
          workerSid: strOrNull(o.workerSid),
        },
      ];
    }),
    voicemailsUnlistened: num(r.voicemailsUnlistened),
    conversationsUnread: num(r.conversationsUnread),
    today: {
      since: str(today.since),
      timeZone: str(today.timeZone, "UTC"),
      calls: num(today.calls),
      missedCalls: num(today.missedCalls),
      voicemails: num(today.voicemails),
      smsIn: num(today.smsIn),
      smsOut: num(today.smsOut),
    },
    serviceLevel: {
      thresholdSeconds: num(sl.thresholdSeconds),
      answered: num(sl.answered),
      answeredWithin: num(sl.answeredWithin),
      percent: typeof sl.percent === "number" && Number.isFinite(sl.percent) ? sl.percent : null,
    },
    perMinute: { from: str(pm.from), calls: nums(pm.calls), messages: nums(pm.messages) },
  };
}

/** Where a member stands for the floor: available, busy or offline. */
export type Availability = "available" | "busy" | "offline";

/**
 * A member's availability: offline when not signed in to the dashboard;
 * else their worker's status when they have a worker (an Offline activity is
 * offline, Break is busy); else their presence (online is available, away and
 * busy are busy).
 */
export function availability(a: AgentStat): Availability {
  if (a.presence === "offline") return "offline";
  if (a.workerStatus === "available" || a.workerStatus === "busy" || a.workerStatus === "offline") return a.workerStatus;
  return a.presence === "online" ? "available" : "busy";
}

/** A scheduler that runs a fetch at most once per interval, never two at once. */
export interface Coalescer {
  /** Asks for a run: now if allowed, else once the interval has passed or the run in flight has ended. */
  request(): void;
  /** Tells that the run in flight has ended. */
  done(): void;
  /** Drops a pending run and forgets the one in flight, whose done will not come (unmount; its fetch is aborted). */
  cancel(): void;
}

/** The clock a Coalescer reads (tests give their own). */
export interface CoalescerClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: CoalescerClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (h) => globalThis.clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Returns a Coalescer of run: requests while a run is in flight or within
 * minIntervalMs of the last start become one run, started when both allow.
 */
export function coalescer(run: () => void, minIntervalMs: number, clock: CoalescerClock = realClock): Coalescer {
  let lastStart = -Infinity;
  let inFlight = false;
  let pending = false;
  let timer: unknown = null;
  const start = () => {
    timer = null;
    pending = false;
    inFlight = true;
    lastStart = clock.now();
    run();
  };
  const request = () => {
    if (inFlight) {
      pending = true;
      return;
    }
    if (timer !== null) return;
    const wait = lastStart + minIntervalMs - clock.now();
    if (wait <= 0) start();
    else timer = clock.setTimeout(start, wait);
  };
  return {
    request,
    done() {
      inFlight = false;
      if (pending) {
        pending = false;
        request();
      }
    },
    cancel() {
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
      pending = false;
      inFlight = false;
    },
  };
}
