import { describe, expect, it } from "vitest";
import { call, message, task, voicemail } from "../test/fixtures";
import { dashboardHref, parseRoute, parseRouteId, recordHref, routeHref } from "./routes";

describe("routes", () => {
  it("parses hash routes; other hashes keep the page", () => {
    expect(parseRoute("")).toBe("overview");
    expect(parseRoute("#/")).toBe("overview");
    expect(parseRoute("#/voicemails")).toBe("voicemails");
    expect(parseRoute("#/conversations/")).toBe("conversations");
    expect(parseRoute("#/taskrouter?x=1")).toBe("taskrouter");
    expect(parseRoute("#/nope")).toBe("overview");
    expect(parseRoute("#main")).toBeNull();
    expect(routeHref("voicemails")).toBe("#/voicemails");
    expect(routeHref("overview")).toBe("#/");
  });

  it("points at records: #/voicemails/{id}, #/conversations/{id}, #/taskrouter/{sid}", () => {
    expect(parseRoute("#/voicemails/VM1")).toBe("voicemails");
    expect(parseRouteId("#/voicemails/VM1")).toBe("VM1");
    expect(parseRouteId("#/conversations/a%2Fb?x=1")).toBe("a/b");
    expect(parseRouteId("#/taskrouter")).toBeNull();
    expect(parseRouteId("#/voicemails/%E0%A4%A")).toBeNull();
    expect(parseRouteId("#main")).toBeNull();
    expect(recordHref({ kind: "worker", id: "WK1" })).toBe("#/taskrouter/WK1");
    expect(dashboardHref({ type: "voicemail_created", payload: voicemail({ voicemailId: "VM1" }) })).toBe("#/voicemails/VM1");
    expect(dashboardHref({ type: "message_received", payload: message({ conversationId: "C 1" }) })).toBe("#/conversations/C%201");
    expect(dashboardHref({ type: "task_completed", payload: { ...task({ taskSid: "WT1" }), outcome: "completed" } })).toBe("#/taskrouter/WT1");
    expect(dashboardHref({ type: "call_incoming", payload: call() })).toBeUndefined();
  });
});
