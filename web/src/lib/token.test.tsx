// @vitest-environment jsdom
// The provider's token on REST calls: every hook's request carries
// Authorization: Bearer <token> (and no cookie) when the provider has a
// token or getToken, the cookie otherwise; the API's origin follows the
// socket's URL; media plays through useMediaSrc.
import { act, render, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { installFetch, type Recorded } from "../test/fakeFetch";
import { fakeSockets } from "../test/fakeSocket";
import { ActivityFeed } from "./ActivityFeed";
import { SocketProvider, type SocketProviderProps } from "./SocketProvider";
import { useMe } from "./useMe";
import { useMediaSrc } from "./useMediaSrc";
import { useMessages } from "./useMessages";
import { usePresence } from "./usePresence";
import { useTaskRouter } from "./useTaskRouter";
import { useVoicemails } from "./useVoicemails";

const empty = () => ({ body: { items: [], nextCursor: null } });
const voicemail = {
  id: "v1",
  callSid: "CA1",
  recordingSid: "RE1",
  from: "+1555",
  to: "+1999",
  department: "support",
  status: "new",
  assignedTo: null,
  notes: "",
  durationSeconds: 5,
  createdAt: "2025-01-01T00:00:00Z",
  mediaUrl: "/api/voicemails/v1/media",
};
const routes = {
  "GET /api/me": () => ({ body: { userId: "u1", name: "Ada", email: "ada@example.com", role: "agent", department: "support" } }),
  "GET /api/voicemails": () => ({ body: { items: [voicemail], nextCursor: null } }),
  "PATCH /api/voicemails/v1": () => ({ body: { ...voicemail, status: "listened" } }),
  "GET /api/conversations": empty,
  "GET /api/taskrouter/workers": empty,
  "GET /api/taskrouter/tasks": empty,
  "GET /api/taskrouter/offers": empty,
  "GET /api/presence": empty,
  "GET /api/activity": empty,
};

function Everything() {
  const me = useMe();
  const vms = useVoicemails();
  useMessages();
  useTaskRouter({ myUserId: me.me?.userId ?? null });
  usePresence({ myUserId: me.me?.userId ?? null });
  return (
    <>
      <ActivityFeed />
      <button onClick={() => void vms.markListened("v1")}>listened</button>
    </>
  );
}

function renderAll(props: Partial<SocketProviderProps>) {
  const f = fakeSockets();
  const utils = render(
    <SocketProvider createSocket={f.create} {...props}>
      <Everything />
    </SocketProvider>,
  );
  return { ...utils, f };
}

const authOf = (c: Recorded) => (c.init.headers as Record<string, string>).Authorization;
const PATHS = ["/api/me", "/api/voicemails", "/api/conversations", "/api/taskrouter/workers", "/api/taskrouter/tasks", "/api/presence", "/api/activity"];

describe("SocketProvider's token on REST calls", () => {
  it("sends the token prop as Authorization: Bearer on every hook's request, without cookies", async () => {
    const calls = installFetch(routes);
    const { f, getByText } = renderAll({ token: "tok-1", url: "http://rt.test:3301" });
    await waitFor(() => {
      for (const p of PATHS) expect(calls.some((c) => c.path === p), p).toBe(true);
    });
    act(() => getByText("listened").click());
    await waitFor(() => expect(calls.some((c) => c.method === "PATCH")).toBe(true));
    for (const c of calls) {
      expect(authOf(c), `${c.method} ${c.path}`).toBe("Bearer tok-1");
      expect(c.init.credentials, `${c.method} ${c.path}`).toBe("omit");
      // The API is the socket's service.
      expect(c.url.startsWith("http://rt.test:3301/api/"), c.url).toBe(true);
    }
    expect(f.last().auths).toEqual([{ token: "tok-1" }]);
  });

  it("keeps the cookie path without a token: credentials included, no Authorization, the page's origin", async () => {
    const calls = installFetch(routes);
    renderAll({});
    await waitFor(() => expect(calls.some((c) => c.path === "/api/activity")).toBe(true));
    await waitFor(() => expect(calls.some((c) => c.path === "/api/voicemails")).toBe(true));
    for (const c of calls) {
      expect(authOf(c)).toBeUndefined();
      expect(c.init.credentials).toBe("include");
      expect(c.url.startsWith("http://localhost/api/"), c.url).toBe(true);
    }
  });

  it("shares getToken's token between the socket and REST calls", async () => {
    let n = 0;
    const valid = "t-1";
    const getToken = vi.fn(async () => `t-${++n}`);
    const calls = installFetch({
      "GET /api/me": (req) => (authOf(req) === `Bearer ${valid}` ? routes["GET /api/me"]() : { status: 401, body: { error: "unauthorized" } }),
    });
    const f = fakeSockets();
    const { result } = renderHook(() => useMe(), {
      wrapper: ({ children }: { children: ReactNode }) => (
        <SocketProvider createSocket={f.create} getToken={getToken} apiBaseUrl="https://api.test">
          {children}
        </SocketProvider>
      ),
    });
    await waitFor(() => expect(result.current.me?.userId).toBe("u1"));
    await waitFor(() => expect(f.last().auths).toEqual([{ token: "t-1" }]));
    // One getToken call served both the socket and the REST call.
    expect(getToken).toHaveBeenCalledTimes(1);
    expect(calls.map(authOf)).toEqual(["Bearer t-1"]);
    expect(calls[0]?.url).toBe("https://api.test/api/me");

  });

  it("retries a 401 with a fresh token within one provider", async () => {
    let n = 0;
    const getToken = vi.fn(async () => `g-${++n}`);
    // g-1 goes to the socket and the first REST call; the server only takes g-2 or later.
    const calls = installFetch({
      "GET /api/me": (req) => (authOf(req) === "Bearer g-1" ? { status: 401, body: { error: "unauthorized" } } : routes["GET /api/me"]()),
    });
    const f = fakeSockets();
    const { result } = renderHook(() => useMe(), {
      wrapper: ({ children }: { children: ReactNode }) => (
        <SocketProvider createSocket={f.create} getToken={getToken}>
          {children}
        </SocketProvider>
      ),
    });
    await waitFor(() => expect(result.current.me?.userId).toBe("u1"));
    expect(calls.map(authOf)).toEqual(["Bearer g-1", "Bearer g-2"]);
    expect(getToken).toHaveBeenCalledTimes(2);
  });
});

describe("useMediaSrc", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  const wrap =
    (props: Partial<SocketProviderProps>) =>
    ({ children }: { children: ReactNode }) => (
      <SocketProvider createSocket={fakeSockets().create} {...props}>
        {children}
      </SocketProvider>
    );

  it("gives the service's URL for the cookie path", () => {
    const calls = installFetch({});
    const { result } = renderHook(() => useMediaSrc("/api/voicemails/v1/media"), { wrapper: wrap({ url: "https://rt.example" }) });
    expect(result.current).toEqual({ src: "https://rt.example/api/voicemails/v1/media", loading: false, error: null });
    expect(calls).toHaveLength(0);
  });

  it("downloads the media with the token and gives an object URL, revoked at unmount", async () => {
    const calls = installFetch({ "GET /api/voicemails/v1/media": () => ({ raw: new Uint8Array([7, 7]), contentType: "audio/mpeg" }) });
    const created: Blob[] = [];
    const revoked: string[] = [];
    vi.stubGlobal(
      "URL",
      Object.assign(class extends URL {}, {
        createObjectURL: (b: Blob) => (created.push(b), `blob:media-${created.length}`),
        revokeObjectURL: (u: string) => void revoked.push(u),
      }),
    );
    const { result, unmount } = renderHook(() => useMediaSrc("/api/voicemails/v1/media"), { wrapper: wrap({ token: "tok-m", url: "https://rt.example" }) });
    expect(result.current.loading).toBe(true);
    await waitFor(() => expect(result.current.src).toBe("blob:media-1"));
    expect(created[0]?.size).toBe(2);
    expect(authOf(calls[0]!)).toBe("Bearer tok-m");
    expect(calls[0]?.url).toBe("https://rt.example/api/voicemails/v1/media");
    unmount();
    expect(revoked).toEqual(["blob:media-1"]);
  });

  it("reports a failed download", async () => {
    installFetch({ "GET /api/voicemails/v1/media": () => ({ status: 403, body: { error: "forbidden" } }) });
    const { result } = renderHook(() => useMediaSrc("/api/voicemails/v1/media"), { wrapper: wrap({ token: "tok" }) });
    await waitFor(() => expect(result.current.error).toBe("forbidden"));
    expect(result.current.src).toBeUndefined();
  });
});
