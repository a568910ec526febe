import type {
  CallCompleted,
  CallIncoming,
  MessageReceived,
  SystemNotification,
  TaskAssigned,
  UserPresenceUpdated,
  VoicemailCreated,
} from "../generated/events";

let n = 0;
const at = (sec: number) => new Date(Date.UTC(2025, 0, 15, 12, 0, sec)).toISOString();

export function voicemail(over: Partial<VoicemailCreated> = {}): VoicemailCreated {
  n++;
  return {
    id: `evt-vm-${n}`,
    occurredAt: at(n),
    voicemailId: `vm-${n}`,
    callSid: `CA${n}`,
    recordingSid: `RE${n}`,
    from: "+15550001111",
    to: "+15559990000",
    callerName: "Ada Lovelace",
    department: "support",
    status: "new",
    durationSeconds: 42,
    ...over,
  };
}

export function call(over: Partial<CallIncoming> = {}): CallIncoming {
  n++;
  return {
    id: `evt-call-${n}`,
    occurredAt: at(n),
    callSid: `CA${n}`,
    from: "+15550002222",
    to: "+15559990000",
    department: "sales",
    ...over,
  };
}

export function callCompleted(over: Partial<CallCompleted> = {}): CallCompleted {
  n++;
  return {
    id: `evt-cc-${n}`,
    occurredAt: at(n),
    callSid: `CA${n}`,
    status: "completed",
    durationSeconds: 61,
    from: "+15550002222",
    to: "+15559990000",
    department: "sales",
    ...over,
  };
}

export function task(over: Partial<TaskAssigned> = {}): TaskAssigned {
  n++;
  return {
    id: `evt-task-${n}`,
    occurredAt: at(n),
    taskSid: `WT${n}`,
    reservationSid: `WR${n}`,
    workerSid: `WK${n}`,
    department: "support",
    channel: "voice",
    queueName: "Support",
    priority: 1,
    ...over,
  };
}

export function message(over: Partial<MessageReceived> = {}): MessageReceived {
  n++;
  return {
    id: `evt-msg-${n}`,
    occurredAt: at(n),
    messageSid: `SM${n}`,
    conversationId: `conv-${n}`,
    from: "+15550003333",
    to: "+15559990000",
    body: "Hello, is anyone there?",
    numMedia: 0,
    department: "support",
    ...over,
  };
}

export function notice(over: Partial<SystemNotification> = {}): SystemNotification {
  n++;
  return {
    id: `evt-sys-${n}`,
    occurredAt: at(n),
    level: "warning",
    title: "Maintenance",
    message: "Twilio maintenance at 22:00 UTC",
    target: { kind: "all" },
    ...over,
  };
}

export function presence(over: Partial<UserPresenceUpdated> = {}): UserPresenceUpdated {
  n++;
  return {
    id: `evt-pres-${n}`,
    occurredAt: at(n),
    userId: "u-ada",
    name: "Ada",
    role: "agent",
    department: "support",
    status: "online",
    lastSeenAt: at(n),
    ...over,
  };
}
