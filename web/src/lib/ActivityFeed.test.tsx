// @vitest-environment jsdom
import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { installFetch } from "../test/fakeFetch";
import { call, message, presence, task, voicemail } from "../test/fixtures";
import { renderWithSocket } from "../test/render";
import { ActivityFeed } from "./ActivityFeed";
import { hrefFromRecord } from "./links";

const ids = () =>
  within(screen.getByRole("list", { name: "Activity" }))
    .getAllByRole("listitem")
    .map((li) => li.getAttribute("data-event"));

const asItem = (type: string, p: { id: string; occurredAt: string }) => ({ id: p.id, type, payload: p, occurredAt: p.occurredAt });

describe("ActivityFeed", () => {
  it("shows history from /api/activity, then live events, newest first", async () => {
    const old = voicemail();
    const calls = installFetch({
      "GET /api/activity": () => ({ body: { items: [asItem("voicemail_created", old)], nextCursor: null } }),
    });
    const { socket } = renderWithSocket(<ActivityFeed />);
    await screen.findByText("New voicemail");
    expect(calls[0]?.query.get("limit")).toBe("50");
    expect(calls[0]?.init.credentials).toBe("include");
    act(() => socket.serverEmit("call_incoming", call()));
    expect(ids()).toEqual(["call_incoming", "voicemail_created"]);
  });

  it("treats a 404 as no history and still shows live events", async () => {
    installFetch({});
    const { socket } = renderWithSocket(<ActivityFeed />);
    await screen.findByText("No activity yet.");
    act(() => socket.serverEmit("message_received", message({ body: "hello" })));
    expect(ids()).toEqual(["message_received"]);
    expect(screen.queryByRole("note")).toBeNull();
  });

  it("says so when history fails otherwise", async () => {
    installFetch({ "GET /api/activity": () => ({ status: 500, body: { error: "database unavailable" } }) });
    renderWithSocket(<ActivityFeed />);
    expect((await screen.findByRole("note")).textContent).toContain("database unavailable");
  });

  it("after a reconnection that was not recovered, fetches what it missed, without duplicates", async () => {
    const a = call();
    const missed = voicemail();
    let answer = [asItem("call_incoming", a)];
    const calls = installFetch({ "GET /api/activity": () => ({ body: { items: answer, nextCursor: null } }) });
    const { socket } = renderWithSocket(<ActivityFeed />);
    await screen.findByText("Incoming call");
    act(() => socket.serverConnect());
    await waitFor(() => expect(calls).toHaveLength(2)); // at mount, and on the first connection
    // The first connection asks only for what is newer than what it has.
    expect(calls[1]?.query.get("since")).toBe(a.occurredAt);

    act(() => socket.serverDisconnect());
    // The server has the call (already shown) and the voicemail that came in meanwhile.
    answer = [asItem("voicemail_created", missed), asItem("call_incoming", a)];
    act(() => socket.serverConnect({ recovered: false }));
    await screen.findByText("New voicemail");
    expect(calls[2]?.query.get("since")).toBe(a.occurredAt);
    // A redelivered live copy does not duplicate it either.
    act(() => socket.serverEmit("voicemail_created", missed));
    expect(ids()).toEqual(["voicemail_created", "call_incoming"]);
  });

  it("does not refetch after a recovered reconnection", async () => {
    const calls = installFetch({ "GET /api/activity": () => ({ body: { items: [], nextCursor: null } }) });
    const { socket } = renderWithSocket(<ActivityFeed />);
    act(() => socket.serverConnect());
    await waitFor(() => expect(calls.length).toBeGreaterThanOrEqual(1));
    const before = calls.length;
    act(() => socket.serverDisconnect());
    act(() => socket.serverConnect({ recovered: true }));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toHaveLength(before);
  });

  it("keeps at most max entries", async () => {
    installFetch({});
    const { socket } = renderWithSocket(<ActivityFeed max={3} />);
    await screen.findByText("No activity yet.");
    act(() => {
      for (let i = 0; i < 6; i++) socket.serverEmit("call_incoming", call({ callerName: `Caller ${i}` }));
    });
    const items = within(screen.getByRole("list", { name: "Activity" })).getAllByRole("listitem");
    expect(items).toHaveLength(3);
    expect(items[0]?.textContent).toContain("Caller 5");
  });

  it("leaves presence changes to the team list by default", async () => {
    installFetch({});
    const { socket } = renderWithSocket(<ActivityFeed />);
    await screen.findByText("No activity yet.");
    act(() => socket.serverEmit("user_presence_updated", presence()));
    expect(screen.queryByRole("list", { name: "Activity" })).toBeNull();
  });

  it("links each item to its record through hrefFor; items of no record are plain", async () => {
    installFetch({});
    const hrefFor = hrefFromRecord((r) => `/app/${r.kind}s/${r.id}`);
    const { socket } = renderWithSocket(<ActivityFeed hrefFor={hrefFor} />);
    await screen.findByText("No activity yet.");
    act(() => {
      socket.serverEmit("voicemail_created", voicemail({ voicemailId: "VM1" }));
      socket.serverEmit("message_received", message({ conversationId: "C1" }));
      socket.serverEmit("task_assigned", task({ taskSid: "WT1" }));
      socket.serverEmit("call_incoming", call());
    });
    const links = within(screen.getByRole("list", { name: "Activity" })).getAllByRole("link");
    expect(links.map((a) => a.getAttribute("href"))).toEqual(["/app/tasks/WT1", "/app/conversations/C1", "/app/voicemails/VM1"]);
    expect(screen.getAllByRole("listitem")).toHaveLength(4);
  });

  it("names users and titles tasks, never by SID", async () => {
    installFetch({});
    const { socket } = renderWithSocket(<ActivityFeed nameOf={(id) => (id === "demo-sales-2" ? "Simon Seller" : undefined)} />);
    await screen.findByText("No activity yet.");
    act(() =>
      socket.serverEmit("task_accepted", {
        id: "e1",
        occurredAt: "2025-01-15T12:00:00Z",
        taskSid: "WTf3a5",
        reservationSid: "WR1",
        workerSid: "WK1",
        userId: "demo-sales-2",
        department: "sales",
        attributes: { type: "inbound_call", name: "Mina Park", from: "+15550001111" },
      }),
    );
    const item = screen.getAllByRole("listitem")[0]!;
    expect(item.textContent).toContain("Call from Mina Park · by Simon Seller · sales");
    expect(item.textContent).not.toMatch(/WT|WK|demo-sales-2/);
  });
});
