import { describe, expect, it } from "vitest";
import type { VoicemailUpdated } from "../generated/events";
import { voicemail as vmEvent } from "../test/fixtures";
import {
  initialVoicemails,
  parseVoicemail,
  voicemailList,
  voicemailsReducer,
  type Voicemail,
  type VoicemailsAction,
  type VoicemailsState,
} from "./voicemails";

function rec(id: string, createdAt: string, over: Partial<Voicemail> = {}): Voicemail {
  return {
    id,
    callSid: "CA1",
    recordingSid: "RE1",
    from: "+1555",
    to: "+1999",
    department: "support",
    status: "new",
    assignedTo: null,
    notes: "",
    durationSeconds: 10,
    createdAt,
    mediaUrl: `/api/voicemails/${id}/media`,
    ...over,
  };
}

let updN = 0;
function updated(over: Partial<VoicemailUpdated> & { voicemailId: string }): VoicemailUpdated {
  return { id: `evt-upd-${++updN}`, occurredAt: "2025-01-15T13:00:00Z", department: "support", status: "new", ...over };
}

const run = (s: VoicemailsState, ...actions: VoicemailsAction[]) => actions.reduce(voicemailsReducer, s);
const ids = (s: VoicemailsState) => voicemailList(s).map((v) => v.id);

describe("voicemailsReducer", () => {
  it("orders newest first and loads more pages without duplicates", () => {
    let s = run(initialVoicemails(), {
      type: "snapshot",
      items: [rec("b", "2025-01-02T00:00:00Z"), rec("a", "2025-01-01T00:00:00Z")],
      nextCursor: "c1",
      requestedAt: 0,
    });
    s = run(s, {
      type: "page",
      items: [rec("a", "2025-01-01T00:00:00Z"), rec("z", "2024-12-31T00:00:00Z")],
      nextCursor: null,
      requestedAt: 0,
    });
    expect(ids(s)).toEqual(["b", "a", "z"]);
    expect(s.list.nextCursor).toBeNull();
  });

  it("adds voicemail_created once, newest first, with the service's media URL", () => {
    let s = run(initialVoicemails(), { type: "snapshot", items: [rec("old", "2020-01-01T00:00:00Z")], nextCursor: null, requestedAt: 0 });
    const e = vmEvent({ voicemailId: "vm-new" });
    s = run(s, { type: "created", event: e }, { type: "created", event: e }, { type: "created", event: { ...e, id: "other-event" } });
    expect(ids(s)).toEqual(["vm-new", "old"]);
    expect(voicemailList(s)[0]?.mediaUrl).toBe("/api/voicemails/vm-new/media");
  });

  it("patches status, assignee and notes from voicemail_updated", () => {
    let s = run(initialVoicemails(), { type: "snapshot", items: [rec("a", "2025-01-01T00:00:00Z")], nextCursor: null, requestedAt: 0 });
    s = run(s, { type: "updated", event: updated({ voicemailId: "a", status: "listened", assignedTo: "u-ada", notes: "call back" }) });
    expect(voicemailList(s)[0]).toMatchObject({ status: "listened", assignedTo: "u-ada", notes: "call back" });
    s = run(s, { type: "updated", event: updated({ voicemailId: "a", status: "listened" }) });
    expect(voicemailList(s)[0]?.assignedTo).toBeNull(); // unassigned
    // An update of a voicemail the list does not have is ignored.
    s = run(s, { type: "updated", event: updated({ voicemailId: "nope", status: "archived" }) });
    expect(ids(s)).toEqual(["a"]);
  });

  it("keeps a filtered list to its filter", () => {
    let s = run(initialVoicemails({ status: "new" }), {
      type: "snapshot",
      items: [rec("a", "2025-01-01T00:00:00Z")],
      nextCursor: null,
      requestedAt: 0,
    });
    s = run(s, { type: "created", event: vmEvent({ voicemailId: "x", status: "listened" }) });
    expect(ids(s)).toEqual(["a"]);
    s = run(s, { type: "updated", event: updated({ voicemailId: "a", status: "listened" }) });
    expect(ids(s)).toEqual([]);
  });

  it("assignee me follows my user id", () => {
    let s = run(initialVoicemails({ assignee: "me" }, "u-me"), { type: "snapshot", items: [], nextCursor: null, requestedAt: 0 });
    s = run(s, { type: "created", event: vmEvent({ voicemailId: "mine", assignedTo: "u-me" }) });
    s = run(s, { type: "created", event: vmEvent({ voicemailId: "theirs", assignedTo: "u-other" }) });
    expect(ids(s)).toEqual(["mine"]);
  });

  it("an older refetch does not undo a live update; a confirmed answer replaces the record", () => {
    let s = run(initialVoicemails(), { type: "snapshot", items: [rec("a", "2025-01-01T00:00:00Z")], nextCursor: null, requestedAt: 0 });
    const requestedAt = s.list.seq;
    s = run(s, { type: "updated", event: updated({ voicemailId: "a", status: "archived" }) });
    s = run(s, { type: "snapshot", items: [rec("a", "2025-01-01T00:00:00Z")], nextCursor: null, requestedAt });
    expect(voicemailList(s)[0]?.status).toBe("archived");
    s = run(s, { type: "confirmed", voicemail: rec("a", "2025-01-01T00:00:00Z", { status: "listened", notes: "n" }) });
    expect(voicemailList(s)[0]).toMatchObject({ status: "listened", notes: "n" });
  });

  it("a changed filter starts over", () => {
    let s = run(initialVoicemails(), { type: "snapshot", items: [rec("a", "2025-01-01T00:00:00Z")], nextCursor: null, requestedAt: 0 });
    s = run(s, { type: "filter", filter: { status: "archived" } });
    expect(ids(s)).toEqual([]);
    expect(s.list.loaded).toBe(false);
  });

  it("parses the API's voicemail", () => {
    const v = parseVoicemail({ ...rec("a", "2025-01-01T00:00:00Z"), assignedTo: null, callerName: "Ada", mediaUrl: "/api/voicemails/a/media" });
    expect(v).toMatchObject({ id: "a", callerName: "Ada", assignedTo: null, mediaUrl: "/api/voicemails/a/media" });
    expect(parseVoicemail({ id: "a", status: "bogus" })).toBeNull();
    expect(parseVoicemail(null)).toBeNull();
  });
});
