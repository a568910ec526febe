// @vitest-environment jsdom
import { act, render, renderHook, screen, waitFor } from "@testing-library/react";
import { StrictMode, useEffect, type ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";
import type { VoicemailCreated } from "../generated/events";
import { fakeSockets } from "../test/fakeSocket";
import { call, voicemail } from "../test/fixtures";
import { SocketProvider, useSocket, type SocketProviderProps } from "./SocketProvider";

function setup(props: Partial<SocketProviderProps> = {}) {
  const f = fakeSockets();
  const wrapper = ({ children }: { children: ReactNode }) => (
    <SocketProvider createSocket={f.create} {...props}>
      {children}
    </SocketProvider>
  );
  const hook = renderHook(() => useSocket(), { wrapper });
  return { ...f, hook, value: () => hook.result.current };
}

describe("SocketProvider", () => {
  it("makes one socket with credentials and connects it", () => {
    const { sockets, last, value } = setup({ url: "https://rt.example" });
    expect(sockets).toHaveLength(1);
    expect(last().url).toBe("https://rt.example");
    expect(last().opts).toMatchObject({ path: "/socket.io", withCredentials: true, forceNew: true });
    expect(last().connectCalls).toBe(1);
    expect(value()).toMatchObject({ state: "connecting", isConnected: false, recovered: false, connects: 0 });
  });

  it("uses the page's own origin when neither url nor NEXT_PUBLIC_SOCKET_IO_URL is set", () => {
    const { last } = setup();
    expect(last().url).toBeUndefined();
  });

  it("follows the connection: connected, disconnected, connecting, recovered or not", () => {
    const { last, value } = setup();
    const s = last();
    act(() => s.serverConnect());
    expect(value()).toMatchObject({ state: "connected", isConnected: true, connects: 1, recovered: false });
    act(() => s.serverDisconnect("transport close"));
    expect(value()).toMatchObject({ state: "disconnected", isConnected: false });
    act(() => s.reconnectAttempt());
    expect(value().state).toBe("connecting");
    act(() => s.serverConnect({ recovered: true }));
    expect(value()).toMatchObject({ state: "connected", connects: 2, recovered: true });
    act(() => s.serverDisconnect());
    act(() => s.serverConnect({ recovered: false }));
    expect(value()).toMatchObject({ connects: 3, recovered: false });
  });

  it("reports connect_error's message", () => {
    const { last, value } = setup();
    act(() => last().connectError("unauthorized"));
    expect(value()).toMatchObject({ state: "error", error: "unauthorized", isConnected: false });
  });

  it("sends the token, or a fresh one from getToken on every (re)connection", async () => {
    const a = setup({ token: "tok-1" });
    expect(a.last().auths).toEqual([{ token: "tok-1" }]);
    a.hook.unmount();

    let n = 0;
    const getToken = vi.fn(async () => `fresh-${++n}`);
    const b = setup({ getToken });
    const s = b.last();
    await waitFor(() => expect(s.auths).toEqual([{ token: "fresh-1" }]));
    s.connect(); // what socket.io-client does on each reconnection attempt
    await waitFor(() => expect(s.auths).toEqual([{ token: "fresh-1" }, { token: "fresh-2" }]));
  });

  it("sends no token when there is none: the session cookie authenticates", () => {
    const { last } = setup();
    expect(last().auths).toEqual([{}]);
  });

  it("hands handlers the payload alone, without the recovery offset", () => {
    const { last, value } = setup();
    const handler = vi.fn();
    act(() => value().on("voicemail_created", handler));
    const p = voicemail();
    act(() => last().serverEmit("voicemail_created", p));
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]).toEqual([p]);
  });

  it("off removes the handler, and the socket listener with the last one", () => {
    const { last, value } = setup();
    const h1 = vi.fn();
    const h2 = vi.fn();
    act(() => {
      value().on("call_incoming", h1);
      value().on("call_incoming", h2);
    });
    expect(last().listenerCount("call_incoming")).toBe(1);
    act(() => value().off("call_incoming", h1));
    act(() => last().serverEmit("call_incoming", call()));
    expect(h1).not.toHaveBeenCalled();
    expect(h2).toHaveBeenCalledTimes(1);
    act(() => value().off("call_incoming", h2));
    expect(last().listenerCount("call_incoming")).toBe(0);
  });

  it("keeps calling other handlers when one throws", () => {
    const { last, value } = setup();
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const ok = vi.fn();
    act(() => {
      value().on("voicemail_created", () => {
        throw new Error("boom");
      });
      value().on("voicemail_created", ok);
    });
    act(() => last().serverEmit("voicemail_created", voicemail()));
    expect(ok).toHaveBeenCalledTimes(1);
    expect(spy).toHaveBeenCalled();
  });

  it("emits to the server", () => {
    const { last, value } = setup();
    act(() => value().emit("ping", 1));
    expect(last().sent).toEqual([{ event: "ping", args: [1] }]);
  });

  it("reconnects after the server closed the connection, with growing delays", () => {
    vi.useFakeTimers();
    try {
      const { last, value } = setup();
      const s = last();
      act(() => s.serverConnect());
      act(() => s.serverDisconnect("io server disconnect"));
      expect(value().state).toBe("disconnected");
      expect(s.connectCalls).toBe(1);
      act(() => vi.advanceTimersByTime(1000));
      expect(s.connectCalls).toBe(2);
      expect(value().state).toBe("connecting");
      act(() => s.serverConnect());
      act(() => s.serverDisconnect("io server disconnect"));
      act(() => vi.advanceTimersByTime(1000));
      expect(s.connectCalls).toBe(2);
      act(() => vi.advanceTimersByTime(1000));
      expect(s.connectCalls).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });

  it("reconnect() connects again after an error", () => {
    const { last, value } = setup();
    act(() => last().connectError("unauthorized"));
    act(() => value().reconnect());
    expect(last().connectCalls).toBe(2);
    expect(value().state).toBe("connecting");
  });

  it("disconnects its socket when unmounted", () => {
    const { last, hook } = setup();
    const s = last();
    act(() => s.serverConnect());
    hook.unmount();
    expect(s.disconnectCalls).toBe(1);
    expect(s.listenerCount("connect")).toBe(0);
  });

  it("under StrictMode, ends with one live socket and delivers each event once", () => {
    const f = fakeSockets();
    const seen: VoicemailCreated[] = [];
    function Listener() {
      const { on, off } = useSocket();
      useEffect(() => {
        const h = (p: VoicemailCreated) => seen.push(p);
        on("voicemail_created", h);
        return () => off("voicemail_created", h);
      }, [on, off]);
      return null;
    }
    render(
      <StrictMode>
        <SocketProvider createSocket={f.create}>
          <Listener />
        </SocketProvider>
      </StrictMode>,
    );
    const live = f.sockets.filter((s) => s.active);
    expect(live).toHaveLength(1);
    act(() => live[0]!.serverEmit("voicemail_created", voicemail()));
    expect(seen).toHaveLength(1);
  });

  it("useSocket outside a provider throws", () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    function Bare() {
      useSocket();
      return null;
    }
    expect(() => render(<Bare />)).toThrow(/inside <SocketProvider>/);
  });

  it("re-attaches handlers when the URL (and so the socket) changes", () => {
    const f = fakeSockets();
    const handler = vi.fn();
    function Listener() {
      const { on, off } = useSocket();
      useEffect(() => {
        on("voicemail_created", handler);
        return () => off("voicemail_created", handler);
      }, [on, off]);
      return <p>ok</p>;
    }
    const { rerender } = render(
      <SocketProvider createSocket={f.create} url="https://a.example">
        <Listener />
      </SocketProvider>,
    );
    rerender(
      <SocketProvider createSocket={f.create} url="https://b.example">
        <Listener />
      </SocketProvider>,
    );
    expect(screen.getByText("ok")).toBeTruthy();
    expect(f.sockets).toHaveLength(2);
    expect(f.sockets[0]!.listenerCount("voicemail_created")).toBe(0);
    act(() => f.sockets[1]!.serverEmit("voicemail_created", voicemail()));
    expect(handler).toHaveBeenCalledTimes(1);
  });
});
