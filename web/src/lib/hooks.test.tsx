// @vitest-environment jsdom
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import { installFetch } from "../test/fakeFetch";
import { fakeSockets } from "../test/fakeSocket";
import { message, task, voicemail } from "../test/fixtures";
import { SocketProvider } from "./SocketProvider";
import { useMe } from "./useMe";
import { useMessages } from "./useMessages";
import { usePresence } from "./usePresence";
import { useTaskRouter } from "./useTaskRouter";
import { useVoicemails } from "./useVoicemails";

function setup() {
  const f = fakeSockets();
  const wrapper = ({ children }: { children: ReactNode }) => <SocketProvider createSocket={f.create}>{children}</SocketProvider>;
  return { f, wrapper };
}

const vm = (id: string, createdAt: string, over: Record<string, unknown> = {}) => ({
  id,
  callSid: "CA1",
  recordingSid: "RE1",
  from: "+1555",
  to: "+1999",
  department: "support",
  status: "new",
  assignedTo: null,
  notes: "",
  durationSeconds: 5,
  createdAt,
  mediaUrl: `/api/voicemails/${id}/media`,
  ...over,
});

describe("useVoicemails", () => {
  it("loads, pages, patches live, confirms actions and refetches only after an unrecovered reconnect", async () => {
    let first = [vm("b", "2025-01-02T00:00:00Z")];
    const calls = installFetch({
      "GET /api/voicemails": (req) =>
        req.query.get("cursor") === "c2"
          ? { body: { items: [vm("a", "2025-01-01T00:00:00Z")], nextCursor: null } }
          : { body: { items: first, nextCursor: "c2" } },
      "GET /api/voicemails/vm-live": () => ({ body: vm("vm-live", "2025-01-03T00:00:00Z", { notes: "from the API" }) }),
      "PATCH /api/voicemails/b": (req) => ({ body: vm("b", "2025-01-02T00:00:00Z", req.body as Record<string, unknown>) }),
      "PATCH /api/voicemails/a": () => ({ status: 403, body: { error: "forbidden" } }),
    });
    const { f, wrapper } = setup();
    const { result } = renderHook(() => useVoicemails({ status: "new", myUserId: "u-me" }), { wrapper });
    await waitFor(() => expect(result.current.voicemails.map((v) => v.id)).toEqual(["b"]));
    expect(calls[0]?.query.get("status")).toBe("new");
    expect(result.current.hasMore).toBe(true);
    await act(() => result.current.loadMore());
    expect(result.current.voicemails.map((v) => v.id)).toEqual(["b", "a"]);

    const socket = f.last();
    act(() => socket.serverConnect());
    await waitFor(() => expect(calls.filter((c) => c.path === "/api/voicemails").length).toBe(3));
    await waitFor(() => expect(result.current.hasMore).toBe(true)); // the refetch starts over at page one
    const live = voicemail({ voicemailId: "vm-live", occurredAt: "2025-01-03T00:00:00Z" });
    act(() => {
      socket.serverEmit("voicemail_created", live);
      socket.serverEmit("voicemail_created", live);
    });
    expect(result.current.voicemails.map((v) => v.id)).toEqual(["vm-live", "b"]);
    await waitFor(() => expect(result.current.voicemails[0]?.notes).toBe("from the API"));

    // Actions: the server's answer, not a guess; an error is surfaced.
    await act(() => result.current.assignToMe("b"));
    expect(calls.at(-1)?.body).toEqual({ assignedTo: "u-me" });
    expect(result.current.voicemails.find((v) => v.id === "b")?.assignedTo).toBe("u-me");
    await act(() => result.current.markListened("b"));
    expect(result.current.voicemails.map((v) => v.id)).toEqual(["vm-live"]); // no longer "new"
    await act(() => expect(result.current.markListened("a")).rejects.toThrow("forbidden"));
    expect(result.current.actionError).toBe("forbidden");

    const before = calls.length;
    act(() => socket.serverDisconnect());
    act(() => socket.serverConnect({ recovered: true }));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toHaveLength(before);

    first = [vm("missed", "2025-01-05T00:00:00Z")];
    act(() => socket.serverDisconnect());
    act(() => socket.serverConnect({ recovered: false }));
    await waitFor(() => expect(result.current.voicemails.map((v) => v.id)).toContain("missed"));
  });
});

describe("useMessages", () => {
  it("loads conversations and the open one's messages, marks it read, sends, and follows events", async () => {
    const conv = { id: "c1", ourNumber: "+1999", customerNumber: "+1555", department: "support", assignedTo: null, unreadCount: 2, lastMessagePreview: "hi", lastMessageAt: "2025-01-01T00:00:00Z", createdAt: "2025-01-01T00:00:00Z" };
    const m = (sid: string, createdAt: string, over: Record<string, unknown> = {}) => ({ sid, conversationId: "c1", direction: "inbound", from: "+1555", to: "+1999", body: sid, numMedia: 0, status: "received", createdAt, ...over });
    const calls = installFetch({
      "GET /api/conversations": () => ({ body: { items: [conv], nextCursor: null } }),
      "GET /api/conversations/c1/messages": () => ({ body: { items: [m("m2", "2025-01-02T00:00:00Z"), m("m1", "2025-01-01T00:00:00Z")], nextCursor: null } }),
      "POST /api/conversations/c1/read": () => ({ body: { ...conv, unreadCount: 0 } }),
      "POST /api/conversations/c1/messages": (req) => ({ status: 201, body: m("SMout", "2025-01-03T00:00:00Z", { direction: "outbound", status: "queued", body: (req.body as { body: string }).body }) }),
    });
    const { f, wrapper } = setup();
    const { result } = renderHook(() => useMessages(), { wrapper });
    await waitFor(() => expect(result.current.conversations).toHaveLength(1));
    act(() => result.current.select("c1"));
    await waitFor(() => expect(result.current.messages.map((x) => x.sid)).toEqual(["m1", "m2"]));
    await waitFor(() => expect(result.current.selected?.unreadCount).toBe(0));
    expect(calls.some((c) => c.method === "POST" && c.path === "/api/conversations/c1/read")).toBe(true);

    await act(() => result.current.send("c1", "Hello back"));
    expect(result.current.messages.at(-1)).toMatchObject({ sid: "SMout", body: "Hello back", status: "queued" });
    act(() => {
      f.last().serverEmit("message_status_changed", { id: "e-st", occurredAt: "2025-01-03T00:00:01Z", messageSid: "SMout", conversationId: "c1", status: "delivered", department: "support" });
      f.last().serverEmit("message_received", message({ conversationId: "c1", messageSid: "SMin", occurredAt: "2025-01-04T00:00:00Z" }));
    });
    expect(result.current.messages.map((x) => [x.sid, x.status])).toEqual([
      ["m1", "received"],
      ["m2", "received"],
      ["SMout", "delivered"],
      ["SMin", "received"],
    ]);
  });
});

describe("useTaskRouter", () => {
  it("finds my worker, shows my offers, accepts and changes my activity", async () => {
    const workers = [
      { sid: "WKme", name: "Me", activitySid: "WA1", activityName: "Available", available: true, status: "available", userId: "u-me", department: "support" },
      { sid: "WKbob", name: "Bob", activitySid: "WA2", activityName: "Break", available: false, status: "busy", userId: "u-bob", department: "support" },
    ];
    const calls = installFetch({
      "GET /api/taskrouter/workers": () => ({ body: { items: workers, nextCursor: null } }),
      "GET /api/taskrouter/tasks": () => ({ body: { items: [], nextCursor: null } }),
      "POST /api/taskrouter/reservations/WR1/accept": () => ({ body: { sid: "WR1", taskSid: "WT1", workerSid: "WKme", status: "accepted" } }),
      "PATCH /api/taskrouter/workers/WKme": (req) => ({ body: { ...workers[0], activitySid: (req.body as { activitySid: string }).activitySid, activityName: "Break", available: false, status: "busy" } }),
    });
    const { f, wrapper } = setup();
    const { result } = renderHook(() => useTaskRouter({ myUserId: "u-me" }), { wrapper });
    await waitFor(() => expect(result.current.me?.sid).toBe("WKme"));
    expect(result.current.activities.map((a) => a.name)).toEqual(["Available", "Break"]);
    act(() => f.last().serverEmit("task_assigned", task({ taskSid: "WT1", reservationSid: "WR1", workerSid: "WKme" })));
    expect(result.current.offers.map((o) => o.reservationSid)).toEqual(["WR1"]);
    await act(() => result.current.accept("WR1"));
    expect(result.current.offers).toEqual([]);
    await act(() => result.current.setActivity("WA2"));
    expect(calls.at(-1)).toMatchObject({ method: "PATCH", path: "/api/taskrouter/workers/WKme", body: { activitySid: "WA2" } });
    expect(result.current.me?.activityName).toBe("Break");
  });
});

describe("refetch after a reconnection that was not recovered", () => {
  it("useTaskRouter reloads workers and tasks, and drops offers whose task is gone", async () => {
    let tasks: unknown[] = [{ sid: "WT1", status: "reserved", priority: 0, department: "support", createdAt: "2025-01-01T00:00:00Z" }];
    const calls = installFetch({
      "GET /api/taskrouter/workers": () => ({ body: { items: [{ sid: "WKme", name: "Me", activitySid: "WA1", activityName: "Available", available: true, status: "available", userId: "u-me", department: "support" }], nextCursor: null } }),
      "GET /api/taskrouter/tasks": () => ({ body: { items: tasks, nextCursor: null } }),
    });
    const { f, wrapper } = setup();
    const { result } = renderHook(() => useTaskRouter({ myUserId: "u-me" }), { wrapper });
    const socket = f.last();
    act(() => socket.serverConnect());
    await waitFor(() => expect(calls.filter((c) => c.path === "/api/taskrouter/tasks")).toHaveLength(2));
    await waitFor(() => expect(result.current.me?.sid).toBe("WKme"));
    act(() => socket.serverEmit("task_assigned", task({ taskSid: "WT1", reservationSid: "WR1", workerSid: "WKme" })));
    expect(result.current.offers).toHaveLength(1);
    // While disconnected, the offer timed out and the task was completed.
    act(() => socket.serverDisconnect());
    tasks = [];
    act(() => socket.serverConnect({ recovered: false }));
    await waitFor(() => expect(result.current.offers).toEqual([]));
    expect(result.current.tasks).toEqual([]);
    expect(calls.filter((c) => c.path === "/api/taskrouter/workers")).toHaveLength(3);
  });

  it("useMessages reloads the conversations and the open conversation's messages", async () => {
    const conv = { id: "c1", ourNumber: "+1999", customerNumber: "+1555", department: "support", assignedTo: null, unreadCount: 0, lastMessagePreview: "a", lastMessageAt: "2025-01-01T00:00:00Z", createdAt: "2025-01-01T00:00:00Z" };
    let msgs = [{ sid: "m1", conversationId: "c1", direction: "inbound", from: "+1555", to: "+1999", body: "a", numMedia: 0, status: "received", createdAt: "2025-01-01T00:00:00Z" }];
    const calls = installFetch({
      "GET /api/conversations": () => ({ body: { items: [conv], nextCursor: null } }),
      "GET /api/conversations/c1/messages": () => ({ body: { items: msgs, nextCursor: null } }),
    });
    const { f, wrapper } = setup();
    const { result } = renderHook(() => useMessages(), { wrapper });
    const socket = f.last();
    act(() => socket.serverConnect());
    act(() => result.current.select("c1"));
    await waitFor(() => expect(result.current.messages).toHaveLength(1));
    const before = calls.length;
    act(() => socket.serverDisconnect());
    act(() => socket.serverConnect({ recovered: true }));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toHaveLength(before);
    act(() => socket.serverDisconnect());
    msgs = [...msgs, { ...msgs[0]!, sid: "m2", body: "missed", createdAt: "2025-01-02T00:00:00Z" }];
    act(() => socket.serverConnect({ recovered: false }));
    await waitFor(() => expect(result.current.messages.map((m) => m.sid)).toEqual(["m1", "m2"]));
    expect(calls.filter((c) => c.path === "/api/conversations").length).toBeGreaterThanOrEqual(3);
  });
});

describe("a list opened after a recovered reconnect", () => {
  it("still loads its first page, and lists the offers the server has", async () => {
    const calls = installFetch({
      "GET /api/taskrouter/workers": () => ({ body: { items: [], nextCursor: null } }),
      "GET /api/taskrouter/tasks": () => ({ body: { items: [{ sid: "WT9", status: "reserved", priority: 1, department: "sales", createdAt: "2025-01-01T00:00:00Z" }], nextCursor: null } }),
      "GET /api/taskrouter/offers": () => ({ body: { items: [{ reservationSid: "WR9", taskSid: "WT9", workerSid: "WK1", offeredAt: "2025-01-01T00:00:00Z",
        task: { sid: "WT9", status: "reserved", priority: 1, department: "sales", createdAt: "2025-01-01T00:00:00Z" } }], nextCursor: null } }),
    });
    const { f, wrapper } = setup();
    // The list is off (the page is not open) while the connection drops and
    // recovers; then the page opens.
    const { result, rerender } = renderHook(({ on }) => useTaskRouter({ myUserId: "u-me", enabled: on }), {
      wrapper,
      initialProps: { on: false },
    });
    const socket = f.last();
    act(() => socket.serverConnect());
    act(() => socket.serverDisconnect());
    act(() => socket.serverConnect({ recovered: true }));
    expect(calls).toHaveLength(0);
    rerender({ on: true });
    await waitFor(() => expect(result.current.offers.map((o) => o.reservationSid)).toEqual(["WR9"]));
    expect(calls.some((c) => c.path === "/api/taskrouter/tasks")).toBe(true);
  });
});

describe("useMe and usePresence", () => {
  it("knows who I am at load from GET /api/me", async () => {
    installFetch({
      "GET /api/me": () => ({ body: { userId: "u-ada", name: "Ada", email: "ada@example.com", role: "agent", department: "support" } }),
      "GET /api/presence": () => ({ body: { items: [], nextCursor: null } }),
    });
    const { wrapper } = setup();
    const me = renderHook(() => useMe(), { wrapper });
    await waitFor(() => expect(me.result.current.me?.name).toBe("Ada"));
    const p = renderHook(() => usePresence(), { wrapper });
    await waitFor(() => expect(p.result.current.myUserId).toBe("u-ada"));
  });
});
