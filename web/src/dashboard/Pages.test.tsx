// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { installFetch } from "../test/fakeFetch";
import { task, voicemail } from "../test/fixtures";
import { renderWithSocket } from "../test/render";
import { App } from "./App";

const me = { userId: "u-me", name: "Ada", email: "ada@example.com", role: "agent", department: "support" };
const vm = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  callSid: "CA1",
  recordingSid: "RE1",
  from: "+15550001111",
  to: "+15559990000",
  callerName: `Caller ${id}`,
  department: "support",
  status: "new",
  assignedTo: null,
  notes: "",
  durationSeconds: 42,
  createdAt: "2025-01-15T12:00:00Z",
  mediaUrl: `/api/voicemails/${id}/media`,
  ...over,
});

function go(hash: string) {
  act(() => {
    window.location.hash = hash;
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  });
}

afterEach(() => {
  window.location.hash = "";
});

describe("dashboard pages", () => {
  it("voicemails: filter, player, mark listened, assign to me", async () => {
    const calls = installFetch({
      "GET /api/me": () => ({ body: me }),
      "GET /api/presence": () => ({ body: { items: [], nextCursor: null } }),
      "GET /api/voicemails": () => ({ body: { items: [vm("v1")], nextCursor: null } }),
      "PATCH /api/voicemails/v1": (req) => ({ body: vm("v1", req.body as Record<string, unknown>) }),
    });
    const { socket } = renderWithSocket(<App />);
    act(() => socket.serverConnect());
    go("#/voicemails");
    expect(screen.getByRole("link", { name: "Voicemails" }).getAttribute("aria-current")).toBe("page");
    const list = await screen.findByRole("list", { name: "Voicemails" });
    fireEvent.click(await within(list).findByRole("button", { name: /Caller v1/ }));
    const audio = document.querySelector("audio");
    expect(audio?.getAttribute("src")).toBe("/api/voicemails/v1/media");

    fireEvent.click(screen.getByRole("button", { name: "Assign to me" }));
    await screen.findByRole("button", { name: "Unassign" });
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ assignedTo: "u-me" });

    fireEvent.click(screen.getByRole("button", { name: "Mark listened" }));
    // The "New" filter no longer holds it.
    await waitFor(() => expect(within(list).queryByRole("button", { name: /Caller v1/ })).toBeNull());

    // A live voicemail shows up.
    act(() => socket.serverEmit("voicemail_created", voicemail({ voicemailId: "v2", callerName: "Grace" })));
    expect(within(list).getByRole("button", { name: /Grace/ })).toBeTruthy();

    fireEvent.change(screen.getByLabelText("Status"), { target: { value: "" } });
    await waitFor(() => expect(calls.filter((c) => c.path === "/api/voicemails").at(-1)?.query.get("status")).toBeNull());
  });

  it("voicemails: an action's error is shown", async () => {
    installFetch({
      "GET /api/me": () => ({ body: me }),
      "GET /api/presence": () => ({ body: { items: [], nextCursor: null } }),
      "GET /api/voicemails": () => ({ body: { items: [vm("v1")], nextCursor: null } }),
      "PATCH /api/voicemails/v1": () => ({ status: 404, body: { error: "voicemail not found" } }),
    });
    renderWithSocket(<App />);
    go("#/voicemails");
    fireEvent.click(await screen.findByRole("button", { name: /Caller v1/ }));
    fireEvent.click(screen.getByRole("button", { name: "Mark listened" }));
    const msg = await screen.findByText(/voicemail not found/);
    expect(msg.closest("[role=alert]")).toBeTruthy();
  });

  it("conversations: unread counts, messages, send", async () => {
    const conv = { id: "c1", ourNumber: "+15559990000", customerNumber: "+15550003333", department: "support", assignedTo: null, unreadCount: 2, lastMessagePreview: "Hello?", lastMessageAt: "2025-01-15T12:00:00Z", createdAt: "2025-01-15T12:00:00Z" };
    const calls = installFetch({
      "GET /api/me": () => ({ body: me }),
      "GET /api/presence": () => ({ body: { items: [], nextCursor: null } }),
      "GET /api/conversations": () => ({ body: { items: [conv], nextCursor: null } }),
      "GET /api/conversations/c1/messages": () => ({ body: { items: [{ sid: "SM1", conversationId: "c1", direction: "inbound", from: conv.customerNumber, to: conv.ourNumber, body: "Hello?", numMedia: 0, status: "received", createdAt: "2025-01-15T12:00:00Z" }], nextCursor: null } }),
      "POST /api/conversations/c1/read": () => ({ body: { ...conv, unreadCount: 0 } }),
      "POST /api/conversations/c1/messages": (req) => ({ status: 201, body: { sid: "SM2", conversationId: "c1", direction: "outbound", from: conv.ourNumber, to: conv.customerNumber, body: (req.body as { body: string }).body, numMedia: 0, status: "queued", createdAt: "2025-01-15T12:01:00Z" } }),
    });
    renderWithSocket(<App />);
    go("#/conversations");
    expect(await screen.findByLabelText("2 unread")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: /\+15550003333/ }));
    const msgs = await screen.findByRole("list", { name: "Messages" });
    await within(msgs).findByText("Hello?");
    await waitFor(() => expect(screen.queryByLabelText("2 unread")).toBeNull());
    fireEvent.change(screen.getByLabelText("Message to +15550003333"), { target: { value: "We are here" } });
    fireEvent.click(screen.getByRole("button", { name: "Send" }));
    await within(msgs).findByText("We are here");
    expect(calls.find((c) => c.method === "POST" && c.path.endsWith("/messages"))?.body).toEqual({ body: "We are here" });
  });

  it("taskrouter: workers board, my offers, accept, my activity", async () => {
    const workers = [
      { sid: "WKme", name: "Ada", activitySid: "WA1", activityName: "Available", available: true, status: "available", userId: "u-me", department: "support" },
      { sid: "WKbob", name: "Bob", activitySid: "WA2", activityName: "Break", available: false, status: "busy", userId: "u-bob", department: "support" },
    ];
    const calls = installFetch({
      "GET /api/me": () => ({ body: me }),
      "GET /api/presence": () => ({ body: { items: [], nextCursor: null } }),
      "GET /api/taskrouter/workers": () => ({ body: { items: workers, nextCursor: null } }),
      "GET /api/taskrouter/tasks": () => ({ body: { items: [], nextCursor: null } }),
      "POST /api/taskrouter/reservations/WR9/accept": () => ({ body: { sid: "WR9", taskSid: "WT9", workerSid: "WKme", status: "accepted" } }),
      "PATCH /api/taskrouter/workers/WKme": () => ({ body: { ...workers[0], activitySid: "WA2", activityName: "Break", available: false, status: "busy" } }),
    });
    const { socket } = renderWithSocket(<App />);
    go("#/taskrouter");
    const board = await screen.findByRole("list", { name: "Workers" });
    await within(board).findByText(/Ada/);
    // One activity word per worker, never "Busy · Break".
    expect(within(board).getByText("Break")).toBeTruthy();
    expect(within(board).queryByText(/·/)).toBeNull();
    const select = (await screen.findByLabelText("My activity")) as HTMLSelectElement;
    act(() =>
      socket.serverEmit(
        "task_assigned",
        task({ taskSid: "WT9", reservationSid: "WR9", workerSid: "WKme", queueName: "Support", attributes: { type: "inbound_call", name: "Mina Park", from: "+15550001111" } }),
      ),
    );
    // The offer is titled from the task's attributes, not by its SID.
    const offers = screen.getByRole("list", { name: "My offers" });
    expect(within(offers).getByText("Call from Mina Park")).toBeTruthy();
    expect(within(offers).queryByText(/WT9/)).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Accept Call from Mina Park" }));
    await waitFor(() => expect(screen.queryByRole("list", { name: "My offers" })).toBeNull());
    fireEvent.change(select, { target: { value: "WA2" } });
    await waitFor(() => expect((screen.getByLabelText("My activity") as HTMLSelectElement).value).toBe("WA2"));
    expect(calls.find((c) => c.method === "PATCH")?.body).toEqual({ activitySid: "WA2" });
  });

  it("a link to a voicemail (#/voicemails/{id}) opens it, showing all statuses when the filter hides it", async () => {
    installFetch({
      "GET /api/me": () => ({ body: me }),
      "GET /api/presence": () => ({ body: { items: [], nextCursor: null } }),
      "GET /api/voicemails": (req) => ({
        body: { items: req.query.get("status") === "new" ? [vm("v1")] : [vm("v1"), vm("v7", { status: "listened" })], nextCursor: null },
      }),
    });
    renderWithSocket(<App />);
    go("#/voicemails/v7");
    const list = await screen.findByRole("list", { name: "Voicemails" });
    const row = await waitFor(() => {
      const li = list.querySelector<HTMLElement>('[data-id="v7"]');
      if (!li) throw new Error("v7 not listed");
      return li;
    });
    expect(row.className).toContain("dash-row--target");
    expect((screen.getByLabelText("Status") as HTMLSelectElement).value).toBe("");
    expect(screen.getByRole("heading", { name: "Caller v7" })).toBeTruthy();
  });

  it("a link to a task (#/taskrouter/{sid}) marks the task; one no longer open says so", async () => {
    const open = { sid: "WT5", status: "pending", priority: 0, department: "support", createdAt: "2025-01-15T12:00:00Z", attributes: { type: "inbound_call", name: "Ivy Chen", from: "+15550002222" } };
    installFetch({
      "GET /api/me": () => ({ body: me }),
      "GET /api/presence": () => ({ body: { items: [], nextCursor: null } }),
      "GET /api/taskrouter/workers": () => ({ body: { items: [], nextCursor: null } }),
      "GET /api/taskrouter/tasks": () => ({ body: { items: [open], nextCursor: null } }),
    });
    renderWithSocket(<App />);
    go("#/taskrouter/WT5");
    const tasks = await screen.findByRole("list", { name: "Open tasks" });
    const title = await within(tasks).findByText("Call from Ivy Chen");
    expect(title.closest("li")?.className).toContain("dash-row--target");
    expect(within(tasks).queryByText(/WT5/)).toBeNull();
    go("#/taskrouter/WT404");
    expect(await screen.findByText(/no longer open/)).toBeTruthy();
  });
});
