import type { EventName, EventPayload } from "../generated/events.js";

/** The record an event is about: what a toast or a feed item opens. */
export interface RecordRef {
  kind: "voicemail" | "conversation" | "task" | "worker";
  id: string;
}

/** An event as components hand it to a link builder. */
export type LinkedEvent = { [N in EventName]: { type: N; payload: EventPayload<N> } }[EventName];

/**
 * Builds the href of an event's record (a Next.js app's own page, the
 * dashboard's hash route); undefined for no link.
 */
export type HrefFor = (event: LinkedEvent) => string | undefined;

/**
 * The record an event is about: a voicemail (also a recording that is one),
 * a conversation (its messages), a task, a worker; null for events of no
 * record (calls without a voicemail, presence, system notifications).
 */
export function eventRecord(event: LinkedEvent): RecordRef | null {
  const ref = (kind: RecordRef["kind"], id: string | undefined): RecordRef | null =>
    typeof id === "string" && id !== "" ? { kind, id } : null;
  switch (event.type) {
    case "voicemail_created":
    case "voicemail_updated":
    case "call_recording_available":
      return ref("voicemail", event.payload.voicemailId);
    case "message_received":
    case "message_status_changed":
    case "conversation_updated":
      return ref("conversation", event.payload.conversationId);
    case "task_assigned":
    case "task_accepted":
    case "task_rejected":
    case "task_completed":
      return ref("task", event.payload.taskSid);
    case "worker_status_changed":
    case "worker_activity_changed":
      return ref("worker", event.payload.workerSid);
    default:
      return null;
  }
}

/**
 * Makes a link builder from a function of records:
 * `hrefFromRecord(r => r.kind === "voicemail" ? `/voicemails/${r.id}` : undefined)`.
 */
export function hrefFromRecord(fn: (record: RecordRef) => string | undefined): HrefFor {
  return (event) => {
    const r = eventRecord(event);
    return r ? fn(r) : undefined;
  };
}
