// Code generated from internal/events by `go generate ./internal/events`; DO NOT EDIT.

/** Carried by every event. */
export interface EventMeta {
  /** Identifies the event (not the record); use it to drop duplicates. */
  id: string;
  /** ISO 8601 time of the event. */
  occurredAt: string;
}

export interface VoicemailCreated extends EventMeta {
  voicemailId: string;
  callSid: string;
  recordingSid: string;
  from: string;
  to: string;
  callerName?: string;
  department: string;
  status: 'new' | 'listened' | 'archived';
  assignedTo?: string;
  durationSeconds: number;
}

export interface VoicemailUpdated extends EventMeta {
  voicemailId: string;
  department: string;
  status: 'new' | 'listened' | 'archived';
  assignedTo?: string;
  notes?: string;
  changed?: string[];
  updatedBy?: string;
  updatedByName?: string;
  previousAssignee?: string;
}

export interface CallIncoming extends EventMeta {
  callSid: string;
  from: string;
  to: string;
  callerName?: string;
  department: string;
  assignedTo?: string;
}

export interface CallStatusChanged extends EventMeta {
  callSid: string;
  status: 'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';
  previousStatus?: string;
  direction?: string;
  from: string;
  to: string;
  department: string;
  assignedTo?: string;
}

export interface CallCompleted extends EventMeta {
  callSid: string;
  status: 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';
  durationSeconds: number;
  from: string;
  to: string;
  department: string;
  assignedTo?: string;
}

export interface CallRecordingAvailable extends EventMeta {
  callSid: string;
  recordingSid: string;
  durationSeconds: number;
  mediaUrl: string;
  department: string;
  assignedTo?: string;
  from?: string;
  callerName?: string;
  voicemailId?: string;
}

export interface MessageReceived extends EventMeta {
  messageSid: string;
  conversationId: string;
  from: string;
  to: string;
  body: string;
  numMedia: number;
  department: string;
  assignedTo?: string;
}

export interface MessageStatusChanged extends EventMeta {
  messageSid: string;
  conversationId: string;
  status: 'accepted' | 'scheduled' | 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'read' | 'canceled' | 'partially_delivered';
  previousStatus?: string;
  errorCode?: string;
  department: string;
  assignedTo?: string;
}

export interface ConversationUpdated extends EventMeta {
  conversationId: string;
  ourNumber: string;
  customerNumber: string;
  unreadCount: number;
  lastMessagePreview: string;
  lastMessageAt: string;
  department: string;
  assignedTo?: string;
}

export interface TaskAssigned extends EventMeta {
  taskSid: string;
  reservationSid: string;
  workerSid: string;
  userId?: string;
  workerName?: string;
  department: string;
  channel?: string;
  queueName?: string;
  priority: number;
  attributes?: unknown;
}

export interface TaskAccepted extends EventMeta {
  taskSid: string;
  reservationSid: string;
  workerSid: string;
  userId?: string;
  workerName?: string;
  department: string;
  attributes?: unknown;
}

export interface TaskRejected extends EventMeta {
  taskSid: string;
  reservationSid: string;
  workerSid: string;
  userId?: string;
  workerName?: string;
  department: string;
  reason: 'rejected' | 'timeout' | 'canceled' | 'rescinded';
  attributes?: unknown;
}

export interface TaskCompleted extends EventMeta {
  taskSid: string;
  workerSid?: string;
  userId?: string;
  workerName?: string;
  department: string;
  outcome: 'completed' | 'canceled';
  reason?: string;
  attributes?: unknown;
}

export interface WorkerStatusChanged extends EventMeta {
  workerSid: string;
  userId?: string;
  workerName?: string;
  department: string;
  status: 'available' | 'busy' | 'offline';
  previousStatus?: string;
}

export interface WorkerActivityChanged extends EventMeta {
  workerSid: string;
  userId?: string;
  workerName?: string;
  department: string;
  activitySid: string;
  activityName: string;
  previousActivitySid?: string;
  previousActivityName?: string;
  available: boolean;
}

export interface UserPresenceUpdated extends EventMeta {
  userId: string;
  name?: string;
  role?: string;
  department: string;
  status: 'online' | 'away' | 'busy' | 'offline';
  lastSeenAt: string;
  version?: number;
  users?: PresenceChange[];
}

export interface SystemNotification extends EventMeta {
  level: 'info' | 'success' | 'warning' | 'error';
  title: string;
  message: string;
  target: Target;
  link?: string;
}

export interface PresenceChange {
  userId: string;
  name?: string;
  role?: string;
  status: 'online' | 'away' | 'busy' | 'offline';
  lastSeenAt?: string;
  version?: number;
}

export interface Target {
  kind: 'all' | 'role' | 'department' | 'user';
  value?: string;
}

/** Every event the server emits, by name: types socket.io-client's `on` and `off`. */
export interface ServerToClientEvents {
  voicemail_created: (payload: VoicemailCreated) => void;
  voicemail_updated: (payload: VoicemailUpdated) => void;
  call_incoming: (payload: CallIncoming) => void;
  call_status_changed: (payload: CallStatusChanged) => void;
  call_completed: (payload: CallCompleted) => void;
  call_recording_available: (payload: CallRecordingAvailable) => void;
  message_received: (payload: MessageReceived) => void;
  message_status_changed: (payload: MessageStatusChanged) => void;
  conversation_updated: (payload: ConversationUpdated) => void;
  task_assigned: (payload: TaskAssigned) => void;
  task_accepted: (payload: TaskAccepted) => void;
  task_rejected: (payload: TaskRejected) => void;
  task_completed: (payload: TaskCompleted) => void;
  worker_status_changed: (payload: WorkerStatusChanged) => void;
  worker_activity_changed: (payload: WorkerActivityChanged) => void;
  user_presence_updated: (payload: UserPresenceUpdated) => void;
  system_notification: (payload: SystemNotification) => void;
}

/** The name of an event. */
export type EventName = keyof ServerToClientEvents;

/** The payload of the event called N. */
export type EventPayload<N extends EventName> = Parameters<ServerToClientEvents[N]>[0];

/** All event names, in catalog order. */
export const EVENT_NAMES = [
  "voicemail_created",
  "voicemail_updated",
  "call_incoming",
  "call_status_changed",
  "call_completed",
  "call_recording_available",
  "message_received",
  "message_status_changed",
  "conversation_updated",
  "task_assigned",
  "task_accepted",
  "task_rejected",
  "task_completed",
  "worker_status_changed",
  "worker_activity_changed",
  "user_presence_updated",
  "system_notification",
] as const satisfies readonly EventName[];
