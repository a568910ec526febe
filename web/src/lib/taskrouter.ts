import type {
  TaskAccepted,
  TaskAssigned,
  TaskCompleted,
  TaskRejected,
  WorkerActivityChanged,
  WorkerStatusChanged,
} from "../generated/events.js";
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
  type Collection,
} from "./collection.js";
import type { RestSchemas } from "./rest.js";

export type WorkerStatus = WorkerStatusChanged["status"];

/** A TaskRouter worker as the REST API gives it (GET /api/taskrouter/workers); status is a WorkerStatus. */
export type Worker = RestSchemas["Worker"];

/** An open task (GET /api/taskrouter/tasks). */
export type Task = RestSchemas["Task"];

/** A reservation offered to my worker (from task_assigned). */
export interface Offer {
  reservationSid: string;
  taskSid: string;
  workerSid: string;
  department: string;
  channel?: string;
  queueName?: string;
  priority: number;
  attributes?: unknown;
  offeredAt: string;
}

/** A TaskRouter activity (an activity sid and its name). */
export interface Activity {
  sid: string;
  name: string;
  available?: boolean;
}

export function parseWorker(raw: unknown): Worker | null {
  const r = obj(raw);
  if (!r || typeof r.sid !== "string" || r.sid === "") return null;
  const w: Worker = {
    sid: r.sid,
    name: str(r.name) || r.sid,
    activitySid: str(r.activitySid),
    activityName: str(r.activityName),
    available: r.available === true,
    status: str(r.status, "offline"),
    department: str(r.department),
  };
  if (typeof r.userId === "string" && r.userId) w.userId = r.userId;
  if (typeof r.updatedAt === "string" && r.updatedAt) w.updatedAt = r.updatedAt;
  return w;
}

/** An offer from GET /api/taskrouter/offers (a pending reservation of my worker, with its task). */
export function parseOffer(raw: unknown): Offer | null {
  const r = obj(raw);
  if (!r || typeof r.reservationSid !== "string" || r.reservationSid === "") return null;
  const t = parseTask(r.task);
  const o: Offer = {
    reservationSid: r.reservationSid,
    taskSid: str(r.taskSid),
    workerSid: str(r.workerSid),
    department: t?.department ?? "",
    priority: t?.priority ?? 0,
    offeredAt: str(r.offeredAt),
  };
  if (t?.channel) o.channel = t.channel;
  if (t?.queueName) o.queueName = t.queueName;
  if (t?.attributes !== undefined) o.attributes = t.attributes;
  return o;
}

export function parseTask(raw: unknown): Task | null {
  const r = obj(raw);
  if (!r || typeof r.sid !== "string" || r.sid === "") return null;
  const t: Task = {
    sid: r.sid,
    status: str(r.status),
    priority: num(r.priority),
    department: str(r.department),
    createdAt: str(r.createdAt),
  };
  if (r.attributes !== undefined && r.attributes !== null) t.attributes = r.attributes;
  for (const k of ["queueName", "channel", "workflowSid", "workerSid", "updatedAt"] as const) {
    const v = r[k];
    if (typeof v === "string" && v) t[k] = v;
  }
  return t;
}

export interface TaskRouterState {
  workers: Collection<Worker>;
  tasks: Collection<Task>;
  offers: Collection<Offer>;
  /** My user id: offers to my worker (by its userId) are mine. */
  myUserId: string | null;
}

export type TaskRouterAction =
  | { type: "workers"; items: readonly Worker[]; nextCursor: string | null; requestedAt: number; more?: boolean }
  | { type: "tasks"; items: readonly Task[]; nextCursor: string | null; requestedAt: number; more?: boolean }
  | { type: "offers"; items: readonly Offer[]; requestedAt: number }
  | { type: "me"; userId: string | null }
  | { type: "task_assigned"; event: TaskAssigned }
  | { type: "task_accepted"; event: TaskAccepted }
  | { type: "task_rejected"; event: TaskRejected }
  | { type: "task_completed"; event: TaskCompleted }
  | { type: "worker_status_changed"; event: WorkerStatusChanged }
  | { type: "worker_activity_changed"; event: WorkerActivityChanged }
  | { type: "confirmedWorker"; worker: Worker }
  | { type: "confirmedReservation"; reservationSid: string; taskSid: string; workerSid: string; status: string };

export function initialTaskRouter(myUserId: string | null = null): TaskRouterState {
  return { workers: emptyCollection(), tasks: emptyCollection(), offers: emptyCollection(), myUserId };
}

const workerKey = (w: Worker) => w.sid;
const taskKey = (t: Task) => t.sid;
const offerKey = (o: Offer) => o.reservationSid;

/** My worker: the one whose userId is mine. */
export function myWorker(state: TaskRouterState): Worker | null {
  if (!state.myUserId) return null;
  return Object.values(state.workers.byId).find((w) => w.userId === state.myUserId) ?? null;
}

function isMine(state: TaskRouterState, workerSid: string, userId: string | undefined): boolean {
  if (state.myUserId && userId === state.myUserId) return true;
  const mine = myWorker(state);
  return mine !== null && mine.sid === workerSid;
}

/** Removes the offers of a task (or one reservation) — live writes, so a stale refetch does not bring them back. */
function dropOffers(offers: Collection<Offer>, eventId: string, pred: (o: Offer) => boolean): Collection<Offer> {
  let c = offers;
  for (const o of Object.values(offers.byId)) {
    if (pred(o)) c = applyLive(c, null, o.reservationSid, () => null);
  }
  return c.seen.includes(eventId) ? c : applyLive(c, eventId, "", () => undefined);
}

/**
 * Workers (by name), open tasks (newest first) and my offers (newest
 * first), unique by sid, from REST lists and task_* and worker_* events.
 */
export function taskRouterReducer(state: TaskRouterState, action: TaskRouterAction): TaskRouterState {
  switch (action.type) {
    case "workers": {
      const apply = action.more ? applyPage : applySnapshot;
      return { ...state, workers: apply(state.workers, action.items, workerKey, action.nextCursor, action.requestedAt) };
    }
    case "tasks": {
      const apply = action.more ? applyPage : applySnapshot;
      const tasks = apply(state.tasks, action.items, taskKey, action.nextCursor, action.requestedAt);
      if (action.more) return { ...state, tasks };
      // A full list of open tasks: offers whose task is no longer reserved
      // for their worker are gone (answered, timed out, rescinded), unless
      // offered after the list was requested.
      let offers = state.offers;
      for (const o of Object.values(state.offers.byId)) {
        const t = tasks.byId[o.taskSid];
        const stale = !t || (t.status !== "reserved" && t.status !== "pending") || (t.workerSid && t.workerSid !== o.workerSid);
        // (task_assigned writes the task too: a task written after the request keeps its offer.)
        if (stale && (state.tasks.stamps[o.taskSid] ?? -1) <= action.requestedAt) {
          const { [o.reservationSid]: _gone, ...rest } = offers.byId;
          offers = { ...offers, byId: rest };
        }
      }
      return { ...state, tasks, offers };
    }
    case "offers":
      // The server's list of my pending offers replaces what we had,
      // except offers written live after the request.
      return { ...state, offers: applySnapshot(state.offers, action.items, offerKey, null, action.requestedAt) };
    case "me":
      return { ...state, myUserId: action.userId };
    case "task_assigned": {
      const e = action.event;
      if (state.offers.seen.includes(e.id)) return state;
      const tasks = applyLive(state.tasks, e.id, e.taskSid, (cur) => {
        const t: Task = {
          ...(cur ?? { sid: e.taskSid, createdAt: e.occurredAt }),
          status: "reserved",
          priority: e.priority,
          department: e.department,
          workerSid: e.workerSid,
          updatedAt: e.occurredAt,
        };
        if (e.channel) t.channel = e.channel;
        if (e.queueName) t.queueName = e.queueName;
        if (e.attributes !== undefined && e.attributes !== null) t.attributes = e.attributes;
        return t;
      });
      const mine = isMine(state, e.workerSid, e.userId);
      const offers = applyLive(state.offers, e.id, e.reservationSid, (cur) => {
        if (cur || !mine) return undefined;
        const o: Offer = {
          reservationSid: e.reservationSid,
          taskSid: e.taskSid,
          workerSid: e.workerSid,
          department: e.department,
          priority: e.priority,
          offeredAt: e.occurredAt,
        };
        if (e.channel) o.channel = e.channel;
        if (e.queueName) o.queueName = e.queueName;
        if (e.attributes !== undefined && e.attributes !== null) o.attributes = e.attributes;
        return o;
      });
      return { ...state, tasks, offers };
    }
    case "task_accepted": {
      const e = action.event;
      if (state.offers.seen.includes(e.id)) return state;
      const tasks = applyLive(state.tasks, e.id, e.taskSid, (cur) =>
        cur ? { ...cur, status: "assigned", workerSid: e.workerSid, updatedAt: e.occurredAt } : undefined,
      );
      const offers = dropOffers(state.offers, e.id, (o) => o.taskSid === e.taskSid);
      return { ...state, tasks, offers };
    }
    case "task_rejected": {
      const e = action.event;
      if (state.offers.seen.includes(e.id)) return state;
      const tasks = applyLive(state.tasks, e.id, e.taskSid, (cur) => {
        if (!cur || (cur.workerSid && cur.workerSid !== e.workerSid)) return undefined;
        const { workerSid: _w, ...rest } = cur;
        return { ...rest, status: "pending", updatedAt: e.occurredAt };
      });
      const offers = dropOffers(state.offers, e.id, (o) => o.reservationSid === e.reservationSid);
      return { ...state, tasks, offers };
    }
    case "task_completed": {
      const e = action.event;
      if (state.offers.seen.includes(e.id)) return state;
      const tasks = applyLive(state.tasks, e.id, e.taskSid, () => null);
      const offers = dropOffers(state.offers, e.id, (o) => o.taskSid === e.taskSid);
      return { ...state, tasks, offers };
    }
    case "worker_status_changed": {
      const e = action.event;
      return {
        ...state,
        workers: applyLive(state.workers, e.id, e.workerSid, (cur) =>
          cur ? { ...cur, status: e.status, updatedAt: e.occurredAt } : undefined,
        ),
      };
    }
    case "worker_activity_changed": {
      const e = action.event;
      return {
        ...state,
        workers: applyLive(state.workers, e.id, e.workerSid, (cur) =>
          cur
            ? { ...cur, activitySid: e.activitySid, activityName: e.activityName, available: e.available, updatedAt: e.occurredAt }
            : undefined,
        ),
      };
    }
    case "confirmedWorker":
      return { ...state, workers: applyConfirmed(state.workers, action.worker, workerKey) };
    case "confirmedReservation": {
      const a = action;
      const offers = applyLive(state.offers, null, a.reservationSid, (cur) => (cur ? null : undefined));
      const tasks =
        a.status === "accepted"
          ? applyLive(state.tasks, null, a.taskSid, (cur) => (cur ? { ...cur, status: "assigned", workerSid: a.workerSid } : undefined))
          : state.tasks;
      return { ...state, offers, tasks };
    }
  }
}

/** Workers by name. */
export function workerList(state: TaskRouterState): Worker[] {
  return collectionItems(state.workers, (a, b) => a.name.localeCompare(b.name, undefined, { sensitivity: "base" }) || (a.sid < b.sid ? -1 : 1));
}

/** Open tasks, newest first. */
export function taskList(state: TaskRouterState): Task[] {
  return collectionItems(state.tasks, (a, b) => newestFirst(a.createdAt, b.createdAt, a.sid, b.sid));
}

/** My offers, newest first. */
export function offerList(state: TaskRouterState): Offer[] {
  return collectionItems(state.offers, (a, b) => newestFirst(a.offeredAt, b.offeredAt, a.reservationSid, b.reservationSid));
}

/**
 * The activities the workers show (the API has no list of activities): each
 * activity sid once, by name.
 */
export function knownActivities(workers: readonly Worker[]): Activity[] {
  const by = new Map<string, Activity>();
  for (const w of workers) {
    if (w.activitySid && !by.has(w.activitySid)) by.set(w.activitySid, { sid: w.activitySid, name: w.activityName || w.activitySid, available: w.available });
  }
  return [...by.values()].sort((a, b) => a.name.localeCompare(b.name));
}
