// Code generated from internal/events by `go generate ./internal/events`; DO NOT EDIT.

import { broadcast, type BroadcastOptions } from "../server/broadcast.js";
import type { EventMeta } from "./events.js";

/**
 * The data of voicemail_created as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface VoicemailCreatedInput extends Partial<EventMeta> {
  voicemailId: string;
  callSid: string;
  recordingSid?: string;
  from: string;
  to?: string;
  callerName?: string;
  department?: string;
  status: 'new' | 'listened' | 'archived';
  assignedTo?: string;
  durationSeconds?: number;
}

/**
 * The data of voicemail_updated as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface VoicemailUpdatedInput extends Partial<EventMeta> {
  voicemailId: string;
  department?: string;
  status: 'new' | 'listened' | 'archived';
  assignedTo?: string;
  notes?: string;
  changed?: string[];
  updatedBy?: string;
  updatedByName?: string;
  previousAssignee?: string;
}

/**
 * The data of call_incoming as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface CallIncomingInput extends Partial<EventMeta> {
  callSid: string;
  from: string;
  to: string;
  callerName?: string;
  department?: string;
  assignedTo?: string;
}

/**
 * The data of call_status_changed as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface CallStatusChangedInput extends Partial<EventMeta> {
  callSid: string;
  status: 'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';
  previousStatus?: string;
  direction?: string;
  from?: string;
  to?: string;
  department?: string;
  assignedTo?: string;
}

/**
 * The data of call_completed as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface CallCompletedInput extends Partial<EventMeta> {
  callSid: string;
  status: 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';
  durationSeconds?: number;
  from?: string;
  to?: string;
  department?: string;
  assignedTo?: string;
}

/**
 * The data of call_recording_available as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface CallRecordingAvailableInput extends Partial<EventMeta> {
  callSid: string;
  recordingSid: string;
  durationSeconds?: number;
  mediaUrl?: string;
  department?: string;
  assignedTo?: string;
  from?: string;
  callerName?: string;
  voicemailId?: string;
}

/**
 * The data of message_received as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface MessageReceivedInput extends Partial<EventMeta> {
  messageSid: string;
  conversationId: string;
  from: string;
  to: string;
  body?: string;
  numMedia?: number;
  department?: string;
  assignedTo?: string;
}

/**
 * The data of message_status_changed as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface MessageStatusChangedInput extends Partial<EventMeta> {
  messageSid: string;
  conversationId?: string;
  status: 'accepted' | 'scheduled' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read' | 'canceled' | 'partially_delivered';
  previousStatus?: string;
  errorCode?: string;
  department?: string;
  assignedTo?: string;
}

/**
 * The data of conversation_updated as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface ConversationUpdatedInput extends Partial<EventMeta> {
  conversationId: string;
  ourNumber?: string;
  customerNumber?: string;
  unreadCount?: number;
  lastMessagePreview?: string;
  lastMessageAt?: string | Date;
  department?: string;
  assignedTo?: string;
}

/**
 * The data of task_assigned as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface TaskAssignedInput extends Partial<EventMeta> {
  taskSid: string;
  reservationSid: string;
  workerSid: string;
  userId?: string;
  workerName?: string;
  department?: string;
  channel?: string;
  queueName?: string;
  priority?: number;
  attributes?: unknown;
}

/**
 * The data of task_accepted as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface TaskAcceptedInput extends Partial<EventMeta> {
  taskSid: string;
  reservationSid: string;
  workerSid?: string;
  userId?: string;
  workerName?: string;
  department?: string;
  attributes?: unknown;
}

/**
 * The data of task_rejected as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface TaskRejectedInput extends Partial<EventMeta> {
  taskSid: string;
  reservationSid: string;
  workerSid?: string;
  userId?: string;
  workerName?: string;
  department?: string;
  reason: 'rejected' | 'timeout' | 'canceled' | 'rescinded';
  attributes?: unknown;
}

/**
 * The data of task_completed as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface TaskCompletedInput extends Partial<EventMeta> {
  taskSid: string;
  workerSid?: string;
  userId?: string;
  workerName?: string;
  department?: string;
  outcome: 'completed' | 'canceled';
  reason?: string;
  attributes?: unknown;
}

/**
 * The data of worker_status_changed as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface WorkerStatusChangedInput extends Partial<EventMeta> {
  workerSid: string;
  userId?: string;
  workerName?: string;
  department?: string;
  status: 'available' | 'busy' | 'offline';
  previousStatus?: string;
}

/**
 * The data of worker_activity_changed as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface WorkerActivityChangedInput extends Partial<EventMeta> {
  workerSid: string;
  userId?: string;
  workerName?: string;
  department?: string;
  activitySid?: string;
  activityName: string;
  previousActivitySid?: string;
  previousActivityName?: string;
  available?: boolean;
}

/**
 * The data of user_presence_updated as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface UserPresenceUpdatedInput extends Partial<EventMeta> {
  userId: string;
  name?: string;
  role?: string;
  department?: string;
  status: 'online' | 'away' | 'busy' | 'offline';
  lastSeenAt?: string | Date;
  version?: number;
  users?: { userId: string; name?: string; role?: string; status: 'online' | 'away' | 'busy' | 'offline'; lastSeenAt?: string | Date; version?: number }[];
}

/**
 * The data of system_notification as POST /api/internal/events accepts it: the fields the
 * service validates are required; id and occurredAt are filled in when absent.
 */
export interface SystemNotificationInput extends Partial<EventMeta> {
  level: 'info' | 'success' | 'warning' | 'error';
  title?: string;
  message: string;
  target: { kind: 'all'; value?: string } | { kind: 'role' | 'department' | 'user'; value: string };
  link?: string;
}

/** The data of each event, by name, as the internal API accepts it. */
export interface EventInputs {
  voicemail_created: VoicemailCreatedInput;
  voicemail_updated: VoicemailUpdatedInput;
  call_incoming: CallIncomingInput;
  call_status_changed: CallStatusChangedInput;
  call_completed: CallCompletedInput;
  call_recording_available: CallRecordingAvailableInput;
  message_received: MessageReceivedInput;
  message_status_changed: MessageStatusChangedInput;
  conversation_updated: ConversationUpdatedInput;
  task_assigned: TaskAssignedInput;
  task_accepted: TaskAcceptedInput;
  task_rejected: TaskRejectedInput;
  task_completed: TaskCompletedInput;
  worker_status_changed: WorkerStatusChangedInput;
  worker_activity_changed: WorkerActivityChangedInput;
  user_presence_updated: UserPresenceUpdatedInput;
  system_notification: SystemNotificationInput;
}

/** An event to broadcast: its type (an event name) and its data. */
export type BroadcastEvent = { [N in keyof EventInputs]: { type: N; data: EventInputs[N] } }[keyof EventInputs];

/** One function per event; each resolves to the id the service gave the event. */
export interface EventBroadcasters {
  /** Broadcasts voicemail_created to the rooms its routing policy names. */
  broadcastVoicemailCreated(payload: VoicemailCreatedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts voicemail_updated to the rooms its routing policy names. */
  broadcastVoicemailUpdated(payload: VoicemailUpdatedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts call_incoming to the rooms its routing policy names. */
  broadcastCallIncoming(payload: CallIncomingInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts call_status_changed to the rooms its routing policy names. */
  broadcastCallStatusChanged(payload: CallStatusChangedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts call_completed to the rooms its routing policy names. */
  broadcastCallCompleted(payload: CallCompletedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts call_recording_available to the rooms its routing policy names. */
  broadcastCallRecordingAvailable(payload: CallRecordingAvailableInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts message_received to the rooms its routing policy names. */
  broadcastMessageReceived(payload: MessageReceivedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts message_status_changed to the rooms its routing policy names. */
  broadcastMessageStatusChanged(payload: MessageStatusChangedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts conversation_updated to the rooms its routing policy names. */
  broadcastConversationUpdated(payload: ConversationUpdatedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts task_assigned to the rooms its routing policy names. */
  broadcastTaskAssigned(payload: TaskAssignedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts task_accepted to the rooms its routing policy names. */
  broadcastTaskAccepted(payload: TaskAcceptedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts task_rejected to the rooms its routing policy names. */
  broadcastTaskRejected(payload: TaskRejectedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts task_completed to the rooms its routing policy names. */
  broadcastTaskCompleted(payload: TaskCompletedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts worker_status_changed to the rooms its routing policy names. */
  broadcastWorkerStatusChanged(payload: WorkerStatusChangedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts worker_activity_changed to the rooms its routing policy names. */
  broadcastWorkerActivityChanged(payload: WorkerActivityChangedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts user_presence_updated to the rooms its routing policy names. */
  broadcastUserPresenceUpdated(payload: UserPresenceUpdatedInput, options?: BroadcastOptions): Promise<string>;
  /** Broadcasts system_notification to the rooms its routing policy names. */
  broadcastSystemNotification(payload: SystemNotificationInput, options?: BroadcastOptions): Promise<string>;
}

/** The per-event functions of a broadcast function (createKinrtServer uses it). */
export function eventBroadcasters(send: (event: BroadcastEvent, options?: BroadcastOptions) => Promise<string>): EventBroadcasters {
  return {
    broadcastVoicemailCreated: (payload, options) => send({ type: "voicemail_created", data: payload }, options),
    broadcastVoicemailUpdated: (payload, options) => send({ type: "voicemail_updated", data: payload }, options),
    broadcastCallIncoming: (payload, options) => send({ type: "call_incoming", data: payload }, options),
    broadcastCallStatusChanged: (payload, options) => send({ type: "call_status_changed", data: payload }, options),
    broadcastCallCompleted: (payload, options) => send({ type: "call_completed", data: payload }, options),
    broadcastCallRecordingAvailable: (payload, options) => send({ type: "call_recording_available", data: payload }, options),
    broadcastMessageReceived: (payload, options) => send({ type: "message_received", data: payload }, options),
    broadcastMessageStatusChanged: (payload, options) => send({ type: "message_status_changed", data: payload }, options),
    broadcastConversationUpdated: (payload, options) => send({ type: "conversation_updated", data: payload }, options),
    broadcastTaskAssigned: (payload, options) => send({ type: "task_assigned", data: payload }, options),
    broadcastTaskAccepted: (payload, options) => send({ type: "task_accepted", data: payload }, options),
    broadcastTaskRejected: (payload, options) => send({ type: "task_rejected", data: payload }, options),
    broadcastTaskCompleted: (payload, options) => send({ type: "task_completed", data: payload }, options),
    broadcastWorkerStatusChanged: (payload, options) => send({ type: "worker_status_changed", data: payload }, options),
    broadcastWorkerActivityChanged: (payload, options) => send({ type: "worker_activity_changed", data: payload }, options),
    broadcastUserPresenceUpdated: (payload, options) => send({ type: "user_presence_updated", data: payload }, options),
    broadcastSystemNotification: (payload, options) => send({ type: "system_notification", data: payload }, options),
  };
}

/**
 * Broadcasts voicemail_created through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastVoicemailCreated(payload: VoicemailCreatedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "voicemail_created", data: payload }, options);
}

/**
 * Broadcasts voicemail_updated through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastVoicemailUpdated(payload: VoicemailUpdatedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "voicemail_updated", data: payload }, options);
}

/**
 * Broadcasts call_incoming through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastCallIncoming(payload: CallIncomingInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "call_incoming", data: payload }, options);
}

/**
 * Broadcasts call_status_changed through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastCallStatusChanged(payload: CallStatusChangedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "call_status_changed", data: payload }, options);
}

/**
 * Broadcasts call_completed through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastCallCompleted(payload: CallCompletedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "call_completed", data: payload }, options);
}

/**
 * Broadcasts call_recording_available through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastCallRecordingAvailable(payload: CallRecordingAvailableInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "call_recording_available", data: payload }, options);
}

/**
 * Broadcasts message_received through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastMessageReceived(payload: MessageReceivedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "message_received", data: payload }, options);
}

/**
 * Broadcasts message_status_changed through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastMessageStatusChanged(payload: MessageStatusChangedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "message_status_changed", data: payload }, options);
}

/**
 * Broadcasts conversation_updated through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastConversationUpdated(payload: ConversationUpdatedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "conversation_updated", data: payload }, options);
}

/**
 * Broadcasts task_assigned through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastTaskAssigned(payload: TaskAssignedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "task_assigned", data: payload }, options);
}

/**
 * Broadcasts task_accepted through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastTaskAccepted(payload: TaskAcceptedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "task_accepted", data: payload }, options);
}

/**
 * Broadcasts task_rejected through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastTaskRejected(payload: TaskRejectedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "task_rejected", data: payload }, options);
}

/**
 * Broadcasts task_completed through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastTaskCompleted(payload: TaskCompletedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "task_completed", data: payload }, options);
}

/**
 * Broadcasts worker_status_changed through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastWorkerStatusChanged(payload: WorkerStatusChangedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "worker_status_changed", data: payload }, options);
}

/**
 * Broadcasts worker_activity_changed through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastWorkerActivityChanged(payload: WorkerActivityChangedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "worker_activity_changed", data: payload }, options);
}

/**
 * Broadcasts user_presence_updated through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastUserPresenceUpdated(payload: UserPresenceUpdatedInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "user_presence_updated", data: payload }, options);
}

/**
 * Broadcasts system_notification through the service at KINRT_URL (else
 * NEXT_PUBLIC_SOCKET_IO_URL) with KIN_INTERNAL_API_KEY; resolves to the event's id.
 */
export function broadcastSystemNotification(payload: SystemNotificationInput, options?: BroadcastOptions): Promise<string> {
  return broadcast({ type: "system_notification", data: payload }, options);
}
