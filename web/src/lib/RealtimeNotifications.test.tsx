// @vitest-environment jsdom
import { act, fireEvent, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { call, callCompleted, message, notice, task, voicemail } from "../test/fixtures";
import { renderWithSocket } from "../test/render";
import { fakeAudio, fakeNotification } from "../test/alertMocks";
import { ALERTS_STORAGE_KEY, resetAlertSettings, resetChime } from "./alerts";
import { hrefFromRecord } from "./links";
import { RealtimeNotifications } from "./RealtimeNotifications";

const toasts = () => screen.queryAllByRole("listitem");
const region = () => screen.getByRole("region", { name: "Notifications (F8)" });

describe("RealtimeNotifications", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("shows a toast for each of the five events, newest on top", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications max={5} />);
    act(() => {
      socket.serverEmit("voicemail_created", voicemail({ callerName: "Ada" }));
      socket.serverEmit("call_incoming", call({ callerName: "Grace" }));
      socket.serverEmit("task_assigned", task());
      socket.serverEmit("message_received", message({ body: "Call me back" }));
      socket.serverEmit("system_notification", notice({ title: "Heads up" }));
    });
    const items = toasts();
    expect(items.map((li) => li.getAttribute("data-event"))).toEqual([
      "system_notification",
      "message_received",
      "task_assigned",
      "call_incoming",
      "voicemail_created",
    ]);
    expect(within(items[0]!).getByText("Heads up")).toBeTruthy();
    expect(within(items[1]!).getByText(/Call me back/)).toBeTruthy();
  });

  it("ignores other events", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications />);
    act(() => socket.serverEmit("call_completed", callCompleted()));
    expect(toasts()).toHaveLength(0);
  });

  it("shows an event once, however often it is delivered", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications />);
    const p = voicemail();
    act(() => {
      socket.serverEmit("voicemail_created", p);
      socket.serverEmit("voicemail_created", { ...p });
    });
    expect(toasts()).toHaveLength(1);
    // Not even after it is gone: a redelivery after a reconnection stays quiet.
    act(() => vi.advanceTimersByTime(10_000));
    act(() => socket.serverEmit("voicemail_created", p));
    expect(toasts()).toHaveLength(0);
  });

  it("dismisses toasts after autoDismissMs", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications autoDismissMs={3000} />);
    act(() => socket.serverEmit("voicemail_created", voicemail()));
    act(() => vi.advanceTimersByTime(1000));
    act(() => socket.serverEmit("call_incoming", call()));
    act(() => vi.advanceTimersByTime(1999));
    expect(toasts()).toHaveLength(2);
    act(() => vi.advanceTimersByTime(1));
    expect(toasts().map((li) => li.getAttribute("data-event"))).toEqual(["call_incoming"]);
    act(() => vi.advanceTimersByTime(1000));
    expect(toasts()).toHaveLength(0);
  });

  it("keeps toasts while autoDismissMs is 0", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications autoDismissMs={0} />);
    act(() => socket.serverEmit("voicemail_created", voicemail()));
    act(() => vi.advanceTimersByTime(60_000));
    expect(toasts()).toHaveLength(1);
  });

  it("pauses the timers while the pointer is on the toasts", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications autoDismissMs={1000} />);
    act(() => socket.serverEmit("voicemail_created", voicemail()));
    fireEvent.mouseEnter(region());
    act(() => vi.advanceTimersByTime(5000));
    expect(toasts()).toHaveLength(1);
    fireEvent.mouseLeave(region());
    act(() => vi.advanceTimersByTime(1000));
    expect(toasts()).toHaveLength(0);
  });

  it("stacks at most max toasts", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications max={2} />);
    act(() => {
      socket.serverEmit("voicemail_created", voicemail({ id: "one" }));
      socket.serverEmit("voicemail_created", voicemail({ id: "two" }));
      socket.serverEmit("voicemail_created", voicemail({ id: "three" }));
    });
    expect(toasts().map((li) => li.getAttribute("data-toast-id"))).toEqual(["three", "two"]);
  });

  it("announces toasts: politely, and an incoming call assertively", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications />);
    const status = screen.getByRole("status");
    const alert = screen.getByRole("alert");
    expect(status.getAttribute("aria-live")).toBe("polite");
    act(() => socket.serverEmit("voicemail_created", voicemail({ callerName: "Ada" })));
    expect(status.textContent).toMatch(/^New voicemail: From Ada/);
    act(() => socket.serverEmit("call_incoming", call({ callerName: "Grace" })));
    expect(alert.textContent).toMatch(/^Incoming call: From Grace/);
  });

  it("dismisses with the close button", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications />);
    act(() => socket.serverEmit("voicemail_created", voicemail()));
    fireEvent.click(screen.getByRole("button", { name: "Dismiss notification: New voicemail" }));
    expect(toasts()).toHaveLength(0);
  });

  it("dismisses the focused toast with Escape and moves focus to the next", () => {
    const { socket } = renderWithSocket(
      <>
        <button type="button">outside</button>
        <RealtimeNotifications autoDismissMs={0} />
      </>,
    );
    act(() => {
      socket.serverEmit("voicemail_created", voicemail({ id: "a" }));
      socket.serverEmit("task_assigned", task({ id: "b" }));
    });
    const outside = screen.getByRole("button", { name: "outside" });
    outside.focus();
    const first = screen.getByRole("button", { name: "Dismiss notification: Task offered" });
    act(() => first.focus());
    fireEvent.keyDown(first, { key: "Escape" });
    expect(toasts().map((li) => li.getAttribute("data-toast-id"))).toEqual(["a"]);
    const second = screen.getByRole("button", { name: "Dismiss notification: New voicemail" });
    expect(document.activeElement).toBe(second);
    fireEvent.keyDown(second, { key: "Escape" });
    expect(toasts()).toHaveLength(0);
    // Focus goes back where it came from.
    expect(document.activeElement).toBe(outside);
  });

  it("moves focus to the newest toast with F8", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications autoDismissMs={0} />);
    act(() => {
      socket.serverEmit("voicemail_created", voicemail());
      socket.serverEmit("task_assigned", task());
    });
    fireEvent.keyDown(document.body, { key: "F8" });
    expect(document.activeElement).toBe(screen.getByRole("button", { name: "Dismiss notification: Task offered" }));
  });

  it("shows a system notification's safe link", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications />);
    act(() => socket.serverEmit("system_notification", notice({ link: "/status" })));
    expect(within(toasts()[0]!).getByRole("link").getAttribute("href")).toBe("/status");
  });

  it("lets the caller choose the events", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications events={["call_completed"]} />);
    act(() => {
      socket.serverEmit("voicemail_created", voicemail());
      socket.serverEmit("call_completed", callCompleted());
    });
    expect(toasts().map((li) => li.getAttribute("data-event"))).toEqual(["call_completed"]);
  });

  it("shows at most 3 toasts; the rest wait behind +N more, which expands them", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications autoDismissMs={0} />);
    act(() => {
      for (const id of ["a", "b", "c", "d", "e"]) socket.serverEmit("voicemail_created", voicemail({ id }));
    });
    expect(toasts().map((li) => li.getAttribute("data-toast-id"))).toEqual(["e", "d", "c"]);
    fireEvent.click(screen.getByRole("button", { name: "+2 more" }));
    expect(toasts()).toHaveLength(5);
    fireEvent.click(screen.getByRole("button", { name: "Show fewer" }));
    expect(toasts()).toHaveLength(3);
    fireEvent.click(screen.getByRole("button", { name: "Dismiss all" }));
    expect(toasts()).toHaveLength(0);
    expect(screen.queryByRole("button", { name: /more/ })).toBeNull();
  });

  it("lets the waiting toasts expire too, so an old one never resurfaces", () => {
    const { socket } = renderWithSocket(<RealtimeNotifications autoDismissMs={1000} />);
    act(() => {
      for (const id of ["a", "b", "c", "d"]) socket.serverEmit("voicemail_created", voicemail({ id }));
    });
    expect(screen.getByRole("button", { name: "+1 more" })).toBeTruthy();
    act(() => vi.advanceTimersByTime(1000));
    expect(toasts()).toHaveLength(0);
    expect(screen.queryByRole("button", { name: /more/ })).toBeNull();
  });

  it("on a phone shows only the newest toast, as a compact bar", () => {
    vi.stubGlobal("matchMedia", (q: string) => ({ matches: q === "(max-width: 640px)", addEventListener() {}, removeEventListener() {} }));
    const { socket } = renderWithSocket(<RealtimeNotifications />);
    act(() => {
      socket.serverEmit("voicemail_created", voicemail({ id: "a" }));
      socket.serverEmit("voicemail_created", voicemail({ id: "b" }));
    });
    expect(toasts().map((li) => li.getAttribute("data-toast-id"))).toEqual(["b"]);
    expect(region().className).toContain("kin-toasts--compact");
    expect(screen.getByRole("button", { name: "+1 more" })).toBeTruthy();
  });

  it("links each toast to its record through hrefFor", () => {
    const hrefFor = hrefFromRecord((r) => `#/${r.kind}/${r.id}`);
    const { socket } = renderWithSocket(<RealtimeNotifications hrefFor={hrefFor} />);
    act(() => {
      socket.serverEmit("voicemail_created", voicemail({ voicemailId: "VM1", callerName: "Ada" }));
      socket.serverEmit("task_assigned", task({ taskSid: "WT1", attributes: { type: "inbound_call", name: "Mina Park" } }));
      socket.serverEmit("call_incoming", call());
    });
    const [incoming, offer, vm] = toasts();
    expect(within(offer!).getByRole("link", { name: "Task offered" }).getAttribute("href")).toBe("#/task/WT1");
    expect(offer!.textContent).toContain("Call from Mina Park");
    expect(within(vm!).getByRole("link", { name: "New voicemail" }).getAttribute("href")).toBe("#/voicemail/VM1");
    expect(within(incoming!).queryByRole("link")).toBeNull();
    // Following the link dismisses the toast.
    fireEvent.click(within(vm!).getByRole("link"));
    expect(toasts()).toHaveLength(2);
  });
});

describe("RealtimeNotifications alerts", () => {
  beforeEach(() => {
    localStorage.clear();
    resetAlertSettings();
    resetChime();
  });

  it("asks nothing and plays nothing until the user turns alerts on", () => {
    const note = fakeNotification("default");
    const audio = fakeAudio();
    const { socket } = renderWithSocket(<RealtimeNotifications />);
    act(() => {
      socket.serverEmit("call_incoming", call());
      socket.serverEmit("task_assigned", task());
    });
    expect(toasts()).toHaveLength(2);
    expect(note.requestPermission).not.toHaveBeenCalled();
    expect(note.shown).toHaveLength(0);
    expect(audio.contexts).toBe(0);
  });

  it("rings for calls and offers (not for messages) with sound on", () => {
    localStorage.setItem(ALERTS_STORAGE_KEY, JSON.stringify({ sound: true, desktop: false }));
    const audio = fakeAudio();
    const { socket } = renderWithSocket(<RealtimeNotifications />);
    act(() => socket.serverEmit("message_received", message()));
    expect(audio.tones).toBe(0);
    act(() => socket.serverEmit("call_incoming", call()));
    expect(audio.tones).toBe(2);
    act(() => socket.serverEmit("task_assigned", task()));
    expect(audio.tones).toBe(4);
  });

  it("shows a desktop notification only while the tab is hidden, with desktop alerts on and permitted", () => {
    localStorage.setItem(ALERTS_STORAGE_KEY, JSON.stringify({ sound: false, desktop: true }));
    const note = fakeNotification("granted");
    let visibility: DocumentVisibilityState = "visible";
    vi.spyOn(document, "visibilityState", "get").mockImplementation(() => visibility);
    const { socket } = renderWithSocket(<RealtimeNotifications hrefFor={hrefFromRecord((r) => `#/x/${r.id}`)} />);
    act(() => socket.serverEmit("voicemail_created", voicemail({ id: "seen", callerName: "Ada" })));
    expect(note.shown).toHaveLength(0);
    visibility = "hidden";
    act(() => socket.serverEmit("voicemail_created", voicemail({ id: "away", callerName: "Grace" })));
    expect(note.shown).toHaveLength(1);
    expect(note.shown[0]!.title).toBe("New voicemail");
    expect(note.shown[0]!.options?.body).toMatch(/^From Grace/);
    expect(note.shown[0]!.options?.tag).toBe("away");
    expect(note.requestPermission).not.toHaveBeenCalled();
  });
});
