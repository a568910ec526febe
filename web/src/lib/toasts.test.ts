import { describe, expect, it } from "vitest";
import { call, message, notice, task, voicemail } from "../test/fixtures";
import { initialToasts, safeLink, toastFromEvent, toastReducer, SEEN_LIMIT, type Toast, type ToastState } from "./toasts";

const t = (id: string): Toast => ({ id, event: "call_incoming", title: id, message: "", level: "info", urgent: true });
const push = (s: ToastState, id: string, max = 3) => toastReducer(s, { type: "push", toast: t(id), max });

describe("toastReducer", () => {
  it("stacks newest first", () => {
    const s = push(push(initialToasts, "a"), "b");
    expect(s.toasts.map((x) => x.id)).toEqual(["b", "a"]);
  });

  it("drops a duplicate id, even after the first was dismissed", () => {
    let s = push(initialToasts, "a");
    expect(push(s, "a")).toBe(s);
    s = toastReducer(s, { type: "dismiss", id: "a" });
    expect(s.toasts).toEqual([]);
    expect(push(s, "a")).toBe(s);
  });

  it("keeps at most max, dropping the oldest", () => {
    let s = initialToasts;
    for (const id of ["a", "b", "c", "d"]) s = push(s, id, 3);
    expect(s.toasts.map((x) => x.id)).toEqual(["d", "c", "b"]);
  });

  it("dismisses one, and ignores an unknown id", () => {
    const s = push(push(initialToasts, "a"), "b");
    expect(toastReducer(s, { type: "dismiss", id: "a" }).toasts.map((x) => x.id)).toEqual(["b"]);
    expect(toastReducer(s, { type: "dismiss", id: "zz" })).toBe(s);
  });

  it("clears", () => {
    expect(toastReducer(push(initialToasts, "a"), { type: "clear" }).toasts).toEqual([]);
  });

  it("remembers a bounded number of ids", () => {
    let s = initialToasts;
    for (let i = 0; i < SEEN_LIMIT + 10; i++) s = push(s, `id${i}`);
    expect(s.seen.length).toBe(SEEN_LIMIT);
    expect(s.seen[s.seen.length - 1]).toBe(`id${SEEN_LIMIT + 9}`);
  });
});

describe("toastFromEvent", () => {
  it("describes the five toast events", () => {
    expect(toastFromEvent("voicemail_created", voicemail({ id: "v" }))).toMatchObject({
      id: "v",
      title: "New voicemail",
      message: expect.stringContaining("Ada Lovelace"),
      urgent: false,
    });
    expect(toastFromEvent("call_incoming", call({ id: "c", callerName: "Grace" }))).toMatchObject({
      title: "Incoming call",
      message: expect.stringContaining("Grace"),
      urgent: true,
    });
    expect(toastFromEvent("task_assigned", task({ id: "t" })).title).toBe("Task offered");
    expect(toastFromEvent("message_received", message({ id: "m", body: "Hi there" })).message).toContain("Hi there");
    expect(toastFromEvent("system_notification", notice({ id: "s", level: "error", title: "Down" }))).toMatchObject({
      title: "Down",
      level: "error",
      urgent: true,
    });
  });

  it("keeps only safe links", () => {
    expect(toastFromEvent("system_notification", notice({ link: "/voicemails/1" })).link).toBe("/voicemails/1");
    expect(toastFromEvent("system_notification", notice({ link: "javascript:alert(1)" })).link).toBeUndefined();
  });
});

describe("safeLink", () => {
  it("accepts paths and http(s) URLs only", () => {
    expect(safeLink("/a/b?c=1")).toBe("/a/b?c=1");
    expect(safeLink("https://example.com/x")).toBe("https://example.com/x");
    expect(safeLink("//evil.example/")).toBeUndefined();
    expect(safeLink("/\\evil.example/")).toBeUndefined();
    expect(safeLink("data:text/html,x")).toBeUndefined();
    expect(safeLink(" JavaScript:alert(1)")).toBeUndefined();
    expect(safeLink(undefined)).toBeUndefined();
  });
});
