// @vitest-environment jsdom
import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import { installFetch } from "../test/fakeFetch";
import { fakeSockets } from "../test/fakeSocket";
import { call, voicemail } from "../test/fixtures";
import { statsAnswer } from "../test/stats";
import { SocketProvider } from "./SocketProvider";
import { useStats } from "./useStats";

function setup() {
  const f = fakeSockets();
  const wrapper = ({ children }: { children: ReactNode }) => <SocketProvider createSocket={f.create}>{children}</SocketProvider>;
  return { f, wrapper };
}

describe("useStats", () => {
  it("loads, follows events coalesced, and reloads only after an unrecovered reconnection", async () => {
    let calls = 12;
    const fetches = installFetch({
      "GET /api/stats": () => ({ body: statsAnswer({ today: { since: "2025-01-15T00:00:00Z", timeZone: "UTC", calls: calls++, missedCalls: 0, voicemails: 0, smsIn: 0, smsOut: 0 } }) }),
    });
    const count = () => fetches.filter((c) => c.path === "/api/stats").length;
    const { f, wrapper } = setup();
    const { result } = renderHook(() => useStats({ minIntervalMs: 0, pollMs: 0 }), { wrapper });
    await waitFor(() => expect(result.current.stats?.today.calls).toBe(12));
    expect(result.current.loaded).toBe(true);
    const socket = f.last();
    act(() => socket.serverConnect()); // the first connection reloads
    await waitFor(() => expect(count()).toBe(2));
    await waitFor(() => expect(result.current.loading).toBe(false));

    // A burst of events: one fetch at once, one after it for the rest.
    act(() => {
      socket.serverEmit("call_incoming", call());
      socket.serverEmit("voicemail_created", voicemail());
      socket.serverEmit("call_incoming", call({ callSid: "CA2" }));
    });
    await waitFor(() => expect(count()).toBe(4));
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(result.current.stats?.today.calls).toBe(15);
    // A notification changes no figure.
    act(() => socket.serverEmit("system_notification", { id: "n1", level: "info", title: "t", message: "m", occurredAt: "2025-01-15T12:00:00Z", target: { kind: "all" } }));

    act(() => socket.serverDisconnect());
    act(() => socket.serverConnect({ recovered: true }));
    act(() => socket.serverDisconnect());
    act(() => socket.serverConnect({ recovered: false }));
    await waitFor(() => expect(result.current.stats?.today.calls).toBe(16));
    await waitFor(() => expect(result.current.loading).toBe(false));
    expect(count()).toBe(5); // nothing for the notification nor the recovered reconnection
  });

  it("keeps the last figures and reports a failed refresh", async () => {
    let fail = false;
    installFetch({
      "GET /api/stats": () => (fail ? { status: 500, body: { error: "internal error" } } : { body: statsAnswer() }),
    });
    const { f, wrapper } = setup();
    const { result } = renderHook(() => useStats({ minIntervalMs: 0, pollMs: 0 }), { wrapper });
    await waitFor(() => expect(result.current.stats).not.toBeNull());
    fail = true;
    act(() => f.last().serverEmit("call_incoming", call()));
    await waitFor(() => expect(result.current.error).toBe("internal error"));
    expect(result.current.stats?.voicemailsUnlistened).toBe(3);
  });

  it("fetches nothing when disabled", async () => {
    const fetches = installFetch({ "GET /api/stats": () => ({ body: statsAnswer() }) });
    const { f, wrapper } = setup();
    renderHook(() => useStats({ enabled: false }), { wrapper });
    act(() => f.last().serverConnect());
    act(() => f.last().serverEmit("call_incoming", call()));
    expect(fetches).toHaveLength(0);
  });
});
