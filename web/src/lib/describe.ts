import type { EventName, EventPayload } from "../generated/events.js";
import { personLabel, taskTitle, type NameOf } from "./labels.js";

/** A one-line, human-readable account of an event. */
export interface EventSummary {
  /** A short label of the event's kind, e.g. "New voicemail". */
  title: string;
  /** What happened, e.g. "From Ada Lovelace (+15551230000), 42 s". */
  detail: string;
  /** The event's category, for grouping and icons. */
  category: EventCategory;
}

export type EventCategory = "voicemail" | "call" | "message" | "task" | "worker" | "presence" | "system";

/** The category of each event. */
export const EVENT_CATEGORY: { readonly [N in EventName]: EventCategory } = {
  voicemail_created: "voicemail",
  voicemail_updated: "voicemail",
  call_incoming: "call",
  call_status_changed: "call",
  call_completed: "call",
  call_recording_available: "call",
  message_received: "message",
  message_status_changed: "message",
  conversation_updated: "message",
  task_assigned: "task",
  task_accepted: "task",
  task_rejected: "task",
  task_completed: "task",
  worker_status_changed: "worker",
  worker_activity_changed: "worker",
  user_presence_updated: "presence",
  system_notification: "system",
};

/** A short label for each event. */
export const EVENT_LABEL: { readonly [N in EventName]: string } = {
  voicemail_created: "New voicemail",
  voicemail_updated: "Voicemail updated",
  call_incoming: "Incoming call",
  call_status_changed: "Call status",
  call_completed: "Call ended",
  call_recording_available: "Recording ready",
  message_received: "New message",
  message_status_changed: "Message status",
  conversation_updated: "Conversation updated",
  task_assigned: "Task offered",
  task_accepted: "Task accepted",
  task_rejected: "Task rejected",
  task_completed: "Task completed",
  worker_status_changed: "Worker status",
  worker_activity_changed: "Worker activity",
  user_presence_updated: "Presence",
  system_notification: "Notification",
};

function caller(p: { from: string; callerName?: string | undefined }): string {
  return p.callerName ? `${p.callerName} (${p.from})` : p.from;
}

// A number and its unit never part at a line's end: they are joined by a
// no-break space (U+00A0), as "12 s" was cut after "12" in a narrow toast.
function seconds(n: number): string {
  if (!Number.isFinite(n) || n < 0) return "";
  if (n < 60) return `${Math.round(n)}\u00a0s`;
  const m = Math.floor(n / 60);
  const s = Math.round(n % 60);
  return `${m}\u00a0min ${s}\u00a0s`;
}

/** Cuts text to at most max characters, on a word boundary when one is near. */
export function truncate(text: string, max = 80): string {
  const t = text.replace(/\s+/g, " ").trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max - 1);
  const space = cut.lastIndexOf(" ");
  return (space > max * 0.6 ? cut.slice(0, space) : cut) + "…";
}

function join(...parts: (string | undefined | false)[]): string {
  return parts.filter((p): p is string => typeof p === "string" && p !== "").join(" · ");
}

/** Options of describeEvent. */
export interface DescribeOptions {
  /** A user's name by user id (the team's presence, say), for events that name a user by id only. */
  nameOf?: NameOf;
}

type Describers = { [N in EventName]: (p: EventPayload<N>, o: DescribeOptions) => string };

const task = (p: { attributes?: unknown; channel?: string; queueName?: string; department: string }) =>
  taskTitle(p.attributes, { channel: p.channel, queue: p.queueName ?? p.department });
const worker = (p: { workerName?: string; userId?: string }, o: DescribeOptions) => personLabel(p.userId, p.workerName, o.nameOf);
const REJECTED: Record<string, string> = { rejected: "rejected", timeout: "not answered", canceled: "canceled", rescinded: "rescinded" };
const STATUS: Record<string, string> = { available: "Available", busy: "Busy", offline: "Offline" };
const status = (s: string | undefined) => (s ? (STATUS[s] ?? s) : undefined);

const DETAIL: Describers = {
  voicemail_created: (p) => join(`From ${caller(p)}`, seconds(p.durationSeconds), p.department),
  voicemail_updated: (p, o) =>
    join(
      `Voicemail ${p.status}`,
      p.assignedTo ? `assigned to ${personLabel(p.assignedTo, undefined, o.nameOf)}` : undefined,
      p.updatedBy ? `by ${personLabel(p.updatedBy, p.updatedByName, o.nameOf)}` : undefined,
      p.department,
    ),
  call_incoming: (p) => join(`From ${caller(p)}`, p.department),
  call_status_changed: (p) => join(`${p.from} → ${p.to}`, p.status, p.department),
  call_completed: (p) => join(`${p.from} → ${p.to}`, p.status, seconds(p.durationSeconds), p.department),
  call_recording_available: (p) =>
    join(p.from ? `From ${caller({ from: p.from, callerName: p.callerName })}` : "Call recording", seconds(p.durationSeconds), p.department),
  message_received: (p) => join(`${p.from}: ${truncate(p.body || (p.numMedia > 0 ? "(media)" : ""), 80)}`, p.department),
  message_status_changed: (p) => join(`Message ${p.status}`, p.errorCode ? `error ${p.errorCode}` : undefined, p.department),
  conversation_updated: (p) =>
    join(`${p.customerNumber}: ${truncate(p.lastMessagePreview, 60)}`, p.unreadCount > 0 ? `${p.unreadCount} unread` : undefined),
  task_assigned: (p, o) =>
    join(task(p), worker(p, o) ? `to ${worker(p, o)}` : undefined, p.priority > 0 ? `priority ${p.priority}` : undefined, p.department),
  task_accepted: (p, o) => join(task(p), worker(p, o) ? `by ${worker(p, o)}` : undefined, p.department),
  task_rejected: (p, o) =>
    join(task(p), [REJECTED[p.reason] ?? p.reason, worker(p, o) ? `by ${worker(p, o)}` : ""].filter(Boolean).join(" "), p.department),
  task_completed: (p, o) =>
    join(task(p), p.outcome, p.reason, worker(p, o) ? `with ${worker(p, o)}` : undefined, p.department),
  worker_status_changed: (p, o) =>
    join(worker(p, o) ?? "A worker", p.previousStatus ? `${status(p.previousStatus)} → ${status(p.status)}` : status(p.status)),
  worker_activity_changed: (p, o) =>
    join(worker(p, o) ?? "A worker", p.previousActivityName ? `${p.previousActivityName} → ${p.activityName}` : p.activityName),
  user_presence_updated: (p, o) => join(personLabel(p.userId, p.name, o.nameOf), p.status, p.department),
  system_notification: (p) => join(p.title, truncate(p.message, 120)),
};

/** Describes event's payload in one line. */
export function describeEvent<N extends EventName>(event: N, payload: EventPayload<N>, options: DescribeOptions = {}): EventSummary {
  let detail: string;
  try {
    detail = (DETAIL[event] as (p: EventPayload<N>, o: DescribeOptions) => string)(payload, options);
  } catch {
    // A payload from a newer server with a field missing: still show it.
    detail = "";
  }
  return { title: EVENT_LABEL[event] ?? event, detail, category: EVENT_CATEGORY[event] ?? "system" };
}
