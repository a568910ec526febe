import { describe, expect, it } from "vitest";
import type { TaskAccepted, TaskCompleted, TaskRejected, WorkerActivityChanged, WorkerStatusChanged } from "../generated/events";
import { task as assigned } from "../test/fixtures";
import {
  initialTaskRouter,
  knownActivities,
  myWorker,
  offerList,
  parseOffer,
  taskList,
  taskRouterReducer,
  workerList,
  type Task,
  type TaskRouterAction,
  type TaskRouterState,
  type Worker,
} from "./taskrouter";

const worker = (sid: string, name: string, over: Partial<Worker> = {}): Worker => ({
  sid,
  name,
  activitySid: "WA-avail",
  activityName: "Available",
  available: true,
  status: "available",
  department: "support",
  ...over,
});
const openTask = (sid: string, createdAt: string, over: Partial<Task> = {}): Task => ({
  sid,
  status: "pending",
  priority: 0,
  department: "support",
  createdAt,
  ...over,
});
let n = 0;
const meta = () => ({ id: `evt-tr-${++n}`, occurredAt: `2025-01-15T12:00:${String(n % 60).padStart(2, "0")}Z` });

const run = (s: TaskRouterState, ...actions: TaskRouterAction[]) => actions.reduce(taskRouterReducer, s);
function loaded(): TaskRouterState {
  return run(
    initialTaskRouter("u-me"),
    { type: "workers", items: [worker("WKme", "Me", { userId: "u-me" }), worker("WKbob", "Bob", { userId: "u-bob", activitySid: "WA-off", activityName: "Offline", available: false, status: "offline" })], nextCursor: null, requestedAt: 0 },
    { type: "tasks", items: [openTask("WT1", "2025-01-01T00:00:00Z")], nextCursor: null, requestedAt: 0 },
  );
}

describe("taskRouterReducer", () => {
  it("sorts workers by name and finds mine by my user id", () => {
    const s = loaded();
    expect(workerList(s).map((w) => w.name)).toEqual(["Bob", "Me"]);
    expect(myWorker(s)?.sid).toBe("WKme");
    expect(knownActivities(workerList(s)).map((a) => a.name)).toEqual(["Available", "Offline"]);
  });

  it("task_assigned to my worker is an offer (once); to another worker it is not", () => {
    let s = loaded();
    const mine = assigned({ taskSid: "WT2", reservationSid: "WR2", workerSid: "WKme" });
    s = run(s, { type: "task_assigned", event: mine }, { type: "task_assigned", event: mine });
    s = run(s, { type: "task_assigned", event: assigned({ taskSid: "WT3", reservationSid: "WR3", workerSid: "WKbob" }) });
    expect(offerList(s).map((o) => o.reservationSid)).toEqual(["WR2"]);
    expect(taskList(s).map((t) => t.sid)).toEqual(expect.arrayContaining(["WT1", "WT2", "WT3"]));
    expect(taskList(s)).toHaveLength(3);
    expect(s.tasks.byId.WT2?.status).toBe("reserved");
  });

  it("task_accepted, task_rejected and task_completed settle offers and tasks", () => {
    let s = loaded();
    s = run(
      s,
      { type: "task_assigned", event: assigned({ taskSid: "WT2", reservationSid: "WR2", workerSid: "WKme" }) },
      { type: "task_assigned", event: assigned({ taskSid: "WT3", reservationSid: "WR3", workerSid: "WKme" }) },
      { type: "task_assigned", event: assigned({ taskSid: "WT4", reservationSid: "WR4", workerSid: "WKme" }) },
    );
    const acc: TaskAccepted = { ...meta(), taskSid: "WT2", reservationSid: "WR2", workerSid: "WKme", department: "support" };
    const rej: TaskRejected = { ...meta(), taskSid: "WT3", reservationSid: "WR3", workerSid: "WKme", department: "support", reason: "timeout" };
    const done: TaskCompleted = { ...meta(), taskSid: "WT4", department: "support", outcome: "canceled" };
    s = run(s, { type: "task_accepted", event: acc }, { type: "task_rejected", event: rej }, { type: "task_completed", event: done });
    expect(offerList(s)).toEqual([]);
    expect(s.tasks.byId.WT2?.status).toBe("assigned");
    expect(s.tasks.byId.WT3).toMatchObject({ status: "pending" });
    expect(s.tasks.byId.WT3?.workerSid).toBeUndefined();
    expect(s.tasks.byId.WT4).toBeUndefined();
    // A redelivered task_assigned does not bring a settled offer back.
    const again = run(s, { type: "task_completed", event: done });
    expect(again).toBe(s);
  });

  it("patches workers from worker_status_changed and worker_activity_changed", () => {
    let s = loaded();
    const st: WorkerStatusChanged = { ...meta(), workerSid: "WKbob", department: "support", status: "busy" };
    const act: WorkerActivityChanged = { ...meta(), workerSid: "WKbob", department: "support", activitySid: "WA-break", activityName: "Break", available: false };
    s = run(s, { type: "worker_status_changed", event: st }, { type: "worker_activity_changed", event: act });
    expect(s.workers.byId.WKbob).toMatchObject({ status: "busy", activitySid: "WA-break", activityName: "Break" });
    // A stale refetch requested before does not undo it.
    s = run(s, { type: "workers", items: [worker("WKbob", "Bob")], nextCursor: null, requestedAt: 0 });
    expect(s.workers.byId.WKbob?.activityName).toBe("Break");
  });

  it("a confirmed answer removes the offer; a refetch drops offers whose task is gone", () => {
    let s = loaded();
    s = run(
      s,
      { type: "task_assigned", event: assigned({ taskSid: "WT2", reservationSid: "WR2", workerSid: "WKme" }) },
      { type: "task_assigned", event: assigned({ taskSid: "WT3", reservationSid: "WR3", workerSid: "WKme" }) },
    );
    s = run(s, { type: "confirmedReservation", reservationSid: "WR2", taskSid: "WT2", workerSid: "WKme", status: "accepted" });
    expect(offerList(s).map((o) => o.reservationSid)).toEqual(["WR3"]);
    expect(s.tasks.byId.WT2?.status).toBe("assigned");
    // After a reconnection that was not recovered: WT3 is no longer open.
    s = run(s, { type: "tasks", items: [openTask("WT1", "2025-01-01T00:00:00Z")], nextCursor: null, requestedAt: s.tasks.seq });
    expect(offerList(s)).toEqual([]);
  });

  it("a confirmed worker (PATCH answer) replaces it", () => {
    let s = loaded();
    s = run(s, { type: "confirmedWorker", worker: worker("WKme", "Me", { userId: "u-me", activitySid: "WA-break", activityName: "Break", available: false, status: "busy" }) });
    expect(myWorker(s)).toMatchObject({ activityName: "Break", status: "busy" });
  });
});

describe("taskRouterReducer refetch", () => {
  it("keeps an offer made after the task list was requested", () => {
    let s = loaded();
    const requestedAt = s.tasks.seq;
    s = run(s, { type: "task_assigned", event: assigned({ taskSid: "WT7", reservationSid: "WR7", workerSid: "WKme" }) });
    s = run(s, { type: "tasks", items: [], nextCursor: null, requestedAt });
    expect(offerList(s).map((o) => o.reservationSid)).toEqual(["WR7"]);
    expect(s.tasks.byId.WT7?.status).toBe("reserved");
  });
});

describe("offers listed by the server", () => {
  it("parses an offer with its task and keeps offers written live after the request", () => {
    const listed = parseOffer({
      reservationSid: "WR1", taskSid: "WT1", workerSid: "WK1", offeredAt: "2026-11-25T10:00:00Z",
      task: { sid: "WT1", status: "reserved", priority: 5, department: "sales", createdAt: "2026-11-25T10:00:00Z", queueName: "Sales" },
    });
    expect(listed).toMatchObject({ reservationSid: "WR1", department: "sales", priority: 5, queueName: "Sales" });
    expect(parseOffer({ taskSid: "WT1" })).toBeNull();

    let s = initialTaskRouter("sally");
    s = taskRouterReducer(s, { type: "offers", items: [listed!], requestedAt: 0 });
    expect(offerList(s).map((o) => o.reservationSid)).toEqual(["WR1"]);
    // A later list without WR1 (answered elsewhere) drops it.
    s = taskRouterReducer(s, { type: "offers", items: [], requestedAt: Date.now() + 1000 });
    expect(offerList(s)).toEqual([]);
  });
});
