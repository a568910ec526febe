import { describe, expect, it } from "vitest";
import { describeEvent } from "./describe";
import { activityWord, taskAbout, taskNumber, taskTitle } from "./labels";

describe("labels", () => {
  it.each([
    ["a caller's name", { type: "inbound_call", name: "Mina Park", from: "+15550001111" }, undefined, "Call from Mina Park"],
    ["a number only", { type: "inbound_call", from: "+15550001111" }, undefined, "Call from +15550001111"],
    ["Flex: the number as the name", { name: "+15550001111", from: "+15550001111", channelType: "voice" }, "voice", "Call from +15550001111"],
    ["JSON text", '{"caller_name":"Ivy Chen","caller":"+1555"}', "voice", "Call from Ivy Chen"],
    ["an SMS", { type: "sms", from: "+1555" }, undefined, "Message from +1555"],
    ["nothing known", {}, "voice", "Call · sales"],
    ["garbage", "{not json", undefined, "Task · sales"],
    ["no attributes", undefined, undefined, "Task · sales"],
  ])("titles a task from its attributes: %s", (_, attrs, channel, want) => {
    expect(taskTitle(attrs, { channel, queue: "sales" })).toBe(want);
  });

  it("keeps the number for secondary text when the title has a name", () => {
    expect(taskNumber({ name: "Mina Park", from: "+1555" })).toBe("+1555");
    expect(taskNumber({ from: "+1555" })).toBeUndefined();
    expect(taskAbout({ customerName: "Lou", phone: "+1" })).toEqual({ kind: "Task", name: "Lou", from: "+1" });
  });

  it.each([
    [{ activityName: "Break", status: "busy" }, "Break"],
    [{ activityName: "Available", status: "available" }, "Available"],
    [{ activityName: "", status: "offline" }, "Offline"],
    [{ status: "" }, "Unknown"],
  ])("gives one activity word: %j", (w, want) => {
    expect(activityWord(w)).toBe(want);
  });

  it("describes task and worker events by task title and names, without SIDs", () => {
    const attrs = { type: "inbound_call", name: "Mina Park", from: "+15550001111" };
    const base = { id: "e", occurredAt: "", taskSid: "WTf3a5", reservationSid: "WRx", workerSid: "WKx", department: "sales" };
    const nameOf = (id: string) => ({ "demo-sales-2": "Simon Seller" })[id];
    const cases = [
      describeEvent("task_assigned", { ...base, priority: 0, attributes: attrs, workerName: "Sally Seller" }),
      describeEvent("task_accepted", { ...base, userId: "demo-sales-2", attributes: attrs }, { nameOf }),
      describeEvent("task_rejected", { ...base, reason: "timeout", workerName: "Sally Seller", attributes: attrs }),
      describeEvent("task_completed", { ...base, outcome: "completed", attributes: attrs }),
      describeEvent("worker_activity_changed", { ...base, activitySid: "WA1", activityName: "Break", previousActivityName: "Available", available: false, workerName: "Sally Seller" }),
      describeEvent("call_recording_available", { ...base, callSid: "CA2a6c", recordingSid: "RE1", durationSeconds: 17, mediaUrl: "/x", from: "+1555", callerName: "Ivy" }),
      describeEvent("voicemail_updated", { ...base, voicemailId: "VM1", status: "listened", updatedBy: "demo-sales-2", assignedTo: "demo-sales-2" }, { nameOf }),
    ];
    expect(cases.map((c) => c.detail)).toEqual([
      "Call from Mina Park · to Sally Seller · sales",
      "Call from Mina Park · by Simon Seller · sales",
      "Call from Mina Park · not answered by Sally Seller · sales",
      "Call from Mina Park · completed · sales",
      "Sally Seller · Available → Break",
      "From Ivy (+1555) · 17\u00a0s · sales",
      "Voicemail listened · assigned to Simon Seller · by Simon Seller · sales",
    ]);
    for (const c of cases) expect(`${c.title} ${c.detail}`).not.toMatch(/\b(WT|WK|WR|CA|RE)[0-9a-f]/);
  });
});
