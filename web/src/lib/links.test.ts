import { describe, expect, it } from "vitest";
import { call, message, notice, presence, task, voicemail } from "../test/fixtures";
import { eventRecord, type LinkedEvent } from "./links";

describe("eventRecord", () => {
  it.each<[string, LinkedEvent, ReturnType<typeof eventRecord>]>([
    ["a voicemail", { type: "voicemail_created", payload: voicemail({ voicemailId: "VM1" }) }, { kind: "voicemail", id: "VM1" }],
    ["a message", { type: "message_received", payload: message({ conversationId: "C1" }) }, { kind: "conversation", id: "C1" }],
    ["a task", { type: "task_assigned", payload: task({ taskSid: "WT1" }) }, { kind: "task", id: "WT1" }],
    ["a call", { type: "call_incoming", payload: call() }, null],
    ["presence", { type: "user_presence_updated", payload: presence() }, null],
    ["a notification", { type: "system_notification", payload: notice() }, null],
  ])("%s", (_, event, want) => {
    expect(eventRecord(event)).toEqual(want);
  });
});
