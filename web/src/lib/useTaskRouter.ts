import { useCallback, useEffect, useMemo, useReducer } from "react";
import type { EventName, EventPayload } from "../generated/events.js";
import type { Page } from "./api.js";
import type { RestSchemas } from "./rest.js";
import { obj, parseItems, str } from "./collection.js";
import { useSocket } from "./SocketProvider.js";
import {
  initialTaskRouter,
  knownActivities,
  myWorker,
  offerList,
  parseOffer,
  parseTask,
  parseWorker,
  taskList,
  taskRouterReducer,
  workerList,
  type Activity,
  type Offer,
  type Task,
  type TaskRouterAction,
  type Worker,
} from "./taskrouter.js";
import { useActions, useListLoader } from "./useListLoader.js";
import { useSocketEvent } from "./useSocketEvent.js";

export const TASKROUTER_EVENTS = [
  "task_assigned",
  "task_accepted",
  "task_rejected",
  "task_completed",
  "worker_status_changed",
  "worker_activity_changed",
] as const satisfies readonly EventName[];
const NO_EVENTS: readonly EventName[] = [];

export interface UseTaskRouterOptions {
  /** My user id (GET /api/me): my worker is the one with this userId, my offers are its reservations. */
  myUserId?: string | null;
  /** Page size of the task list. */
  limit?: number;
  enabled?: boolean;
}

/** A reservation's state after accept/reject, as the server answers. */
export type ReservationAnswer = RestSchemas["Reservation"];

export interface TaskRouterResult {
  /** By name. */
  workers: Worker[];
  workersLoaded: boolean;
  workersError: string | null;
  /** Open tasks, newest first. */
  tasks: Task[];
  tasksLoaded: boolean;
  tasksError: string | null;
  hasMoreTasks: boolean;
  loadMoreTasks: () => Promise<void>;
  /** My worker, once the workers and my id are known. */
  me: Worker | null;
  /** Reservations offered to my worker, newest first (listed by the server, then live). */
  offers: Offer[];
  /** The activities the workers show. */
  activities: Activity[];
  /** PATCH /api/taskrouter/workers/{sid} (default: my worker) with the activity. */
  setActivity: (activitySid: string, workerSid?: string) => Promise<Worker>;
  /** POST /api/taskrouter/reservations/{sid}/accept. */
  accept: (reservationSid: string) => Promise<ReservationAnswer>;
  /** POST /api/taskrouter/reservations/{sid}/reject. */
  reject: (reservationSid: string) => Promise<ReservationAnswer>;
  /** Worker and reservation sids with an action in flight. */
  pending: readonly string[];
  actionError: string | null;
  clearActionError: () => void;
  refresh: () => void;
}

function parseReservation(raw: unknown): ReservationAnswer | null {
  const r = obj(raw);
  if (!r || typeof r.sid !== "string") return null;
  return { sid: r.sid, taskSid: str(r.taskSid), workerSid: str(r.workerSid), status: str(r.status) };
}

/**
 * TaskRouter: the workers board (GET /api/taskrouter/workers), open tasks
 * (GET /api/taskrouter/tasks, cursor pages) and my offers (task_assigned to
 * my worker), live from task_* and worker_* events; changing my activity and
 * answering offers go through the API and its answers update the state.
 * Everything is reloaded after a reconnection that was not recovered.
 */
export function useTaskRouter({ myUserId = null, limit, enabled = true }: UseTaskRouterOptions = {}): TaskRouterResult {
  const { api } = useSocket();
  const [state, dispatch] = useReducer(taskRouterReducer, myUserId, initialTaskRouter);
  useEffect(() => dispatch({ type: "me", userId: myUserId }), [myUserId]);

  const workersLoader = useListLoader<Worker>({
    enabled,
    key: "",
    seq: state.workers.seq,
    nextCursor: state.workers.nextCursor,
    fetchPage: (cursor, signal) =>
      api<Page<unknown>>("/api/taskrouter/workers", { query: { cursor }, signal }).then((p) => parseItems(p, parseWorker)),
    onSnapshot: (p, requestedAt) => dispatch({ type: "workers", ...p, requestedAt }),
    onPage: (p, requestedAt) => dispatch({ type: "workers", ...p, requestedAt, more: true }),
  });
  const tasksLoader = useListLoader<Task>({
    enabled,
    key: "",
    seq: state.tasks.seq,
    nextCursor: state.tasks.nextCursor,
    fetchPage: (cursor, signal) =>
      api<Page<unknown>>("/api/taskrouter/tasks", { query: { cursor, limit }, signal }).then((p) => parseItems(p, parseTask)),
    onSnapshot: (p, requestedAt) => dispatch({ type: "tasks", ...p, requestedAt }),
    onPage: (p, requestedAt) => dispatch({ type: "tasks", ...p, requestedAt, more: true }),
  });

  // My pending offers: also those made before the page loaded (or while a
  // reconnect was not recovered).
  useListLoader<Offer>({
    enabled,
    key: "",
    seq: state.offers.seq,
    nextCursor: null,
    fetchPage: (_cursor, signal) =>
      api<Page<unknown>>("/api/taskrouter/offers", { signal }).then((p) => parseItems(p, parseOffer)),
    onSnapshot: (p, requestedAt) => dispatch({ type: "offers", items: p.items, requestedAt }),
    onPage: () => {},
  });

  useSocketEvent(enabled ? TASKROUTER_EVENTS : NO_EVENTS, (event, payload) => {
    dispatch({ type: event, event: payload as EventPayload<typeof event> } as TaskRouterAction);
  });

  const mine = useMemo(() => myWorker(state), [state]);
  const { pending, actionError, run, clearError } = useActions();
  const setActivity = useCallback(
    (activitySid: string, workerSid?: string) => {
      const sid = workerSid ?? mine?.sid;
      if (!sid) return Promise.reject(new Error("you have no TaskRouter worker"));
      return run(sid, async () => {
        const raw = await api<unknown>(`/api/taskrouter/workers/${encodeURIComponent(sid)}`, {
          method: "PATCH",
          body: { activitySid },
        });
        const w = parseWorker(raw);
        if (!w) throw new Error("unexpected answer from the server");
        dispatch({ type: "confirmedWorker", worker: w });
        return w;
      });
    },
    [api, run, mine],
  );
  const answer = useCallback(
    (reservationSid: string, verb: "accept" | "reject") =>
      run(reservationSid, async () => {
        const raw = await api<unknown>(`/api/taskrouter/reservations/${encodeURIComponent(reservationSid)}/${verb}`, {
          method: "POST",
        });
        const r = parseReservation(raw);
        if (!r) throw new Error("unexpected answer from the server");
        dispatch({ type: "confirmedReservation", reservationSid: r.sid, taskSid: r.taskSid, workerSid: r.workerSid, status: r.status });
        return r;
      }),
    [api, run],
  );
  const accept = useCallback((sid: string) => answer(sid, "accept"), [answer]);
  const reject = useCallback((sid: string) => answer(sid, "reject"), [answer]);
  const refresh = useCallback(() => {
    workersLoader.refresh();
    tasksLoader.refresh();
  }, [workersLoader.refresh, tasksLoader.refresh]);

  const workers = useMemo(() => workerList(state), [state.workers]);
  const tasks = useMemo(() => taskList(state), [state.tasks]);
  const offers = useMemo(() => offerList(state), [state.offers]);
  const activities = useMemo(() => knownActivities(workers), [workers]);
  return {
    workers,
    workersLoaded: state.workers.loaded,
    workersError: workersLoader.error,
    tasks,
    tasksLoaded: state.tasks.loaded,
    tasksError: tasksLoader.error,
    hasMoreTasks: state.tasks.nextCursor !== null,
    loadMoreTasks: tasksLoader.loadMore,
    me: mine,
    offers,
    activities,
    setActivity,
    accept,
    reject,
    pending,
    actionError,
    clearActionError: clearError,
    refresh,
  };
}
