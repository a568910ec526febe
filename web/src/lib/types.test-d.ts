// Compile-time tests of useSocket()'s typing, checked by `npm run typecheck`
// (tsc): every @ts-expect-error line must be an error, or tsc fails.

import type { CallIncoming, TaskAssigned, VoicemailCreated } from "../generated/events";
import type { components } from "../generated/openapi";
import type { Page } from "./api";
import type { SocketContextValue } from "./SocketProvider";
import type { Voicemail } from "./voicemails";

declare const socket: SocketContextValue;
const { on, off } = socket;

// The right name and payload type.
on("voicemail_created", (p: VoicemailCreated) => void p.voicemailId);
off("voicemail_created", (p: VoicemailCreated) => void p.voicemailId);
// The payload is inferred from the name.
on("call_incoming", (p) => {
  const sid: string = p.callSid;
  const dept: string = p.department;
  void sid;
  void dept;
});
on("system_notification", (p) => {
  const level: "info" | "success" | "warning" | "error" = p.level;
  void level;
});
// A handler that ignores its payload is fine.
on("task_assigned", () => {});

// @ts-expect-error: no such event
on("voicemail_deleted", () => {});
// @ts-expect-error: no such event
off("voicemailCreated", () => {});
// @ts-expect-error: a misspelt event, even with a well-typed handler
on("call_incomming", (p: CallIncoming) => void p);

// @ts-expect-error: the payload of voicemail_created is not a TaskAssigned
on("voicemail_created", (p: TaskAssigned) => void p);
// @ts-expect-error: nor is task_assigned's a VoicemailCreated
off("task_assigned", (p: VoicemailCreated) => void p);

on("call_incoming", (p) => {
  // @ts-expect-error: call_incoming has no voicemailId
  void p.voicemailId;
});

on("voicemail_created", (p) => {
  // @ts-expect-error: status is "new" | "listened" | "archived"
  const s: "deleted" = p.status;
  void s;
});

// @ts-expect-error: handlers take the payload only (the recovery offset is never passed)
on("voicemail_created", (_p: VoicemailCreated, offset: string) => void offset);

// @ts-expect-error: the handler is required
on("voicemail_created");

// The REST types are the API document's (generated/openapi.ts): a list
// route answers a Page of its items, and the statuses are the server's.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const pageIsTheList: Equal<components["schemas"]["VoicemailList"], Page<Voicemail>> = true;
const statusIsTheEnum: Equal<Voicemail["status"], VoicemailCreated["status"]> = true;
void pageIsTheList;
void statusIsTheEnum;
// @ts-expect-error: a voicemail's status is one of three
const badStatus: Voicemail["status"] = "deleted";
void badStatus;
