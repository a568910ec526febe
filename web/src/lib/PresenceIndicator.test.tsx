// @vitest-environment jsdom
import { act, render, renderHook, screen, waitFor, within } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import { installFetch } from "../test/fakeFetch";
import { fakeSockets } from "../test/fakeSocket";
import type { UserPresenceUpdated } from "../generated/events";
import { presence } from "../test/fixtures";
import { renderWithSocket } from "../test/render";
import { PresenceIndicator, TeamPresence } from "./PresenceIndicator";
import { SocketProvider } from "./SocketProvider";
import { usePresence } from "./usePresence";

const team = [
  { userId: "u-ada", name: "Ada", role: "agent", department: "support", status: "away", lastSeenAt: "2025-01-15T12:00:00Z" },
  { userId: "u-bob", name: "Bob", role: "supervisor", department: "support", status: "online", lastSeenAt: "2025-01-15T12:00:00Z" },
  { userId: "u-cy", name: "Cy", role: "agent", department: "support", status: "offline", lastSeenAt: "2025-01-15T11:00:00Z" },
];

describe("PresenceIndicator", () => {
  it("labels the dot with the user and status", () => {
    render(<PresenceIndicator status="busy" name="Ada" />);
    expect(screen.getByRole("img", { name: "Ada: Busy" })).toBeTruthy();
  });

  it("can show the status in words", () => {
    const { container } = render(<PresenceIndicator status="offline" showLabel />);
    expect(screen.getByRole("img", { name: "Offline" })).toBeTruthy();
    expect(container.textContent).toBe("Offline");
  });
});

describe("TeamPresence", () => {
  it("lists the team by status and keeps it live", async () => {
    installFetch({ "GET /api/presence": () => ({ body: { items: team, nextCursor: null } }) });
    const { socket } = renderWithSocket(<TeamPresence />);
    const list = await screen.findByRole("list", { name: "Team" });
    const names = () => within(list).getAllByRole("img").map((i) => i.getAttribute("aria-label"));
    expect(names()).toEqual(["Bob: Online", "Ada: Away", "Cy: Offline"]);
    expect(screen.getByRole("heading", { name: /Team/ }).textContent).toContain("2 of 3 present");

    act(() => socket.serverEmit("user_presence_updated", presence({ userId: "u-cy", name: "Cy", status: "online" })));
    expect(names()).toEqual(["Bob: Online", "Cy: Online", "Ada: Away"]);
    act(() => socket.serverEmit("user_presence_updated", presence({ userId: "u-dee", name: "Dee", status: "busy" })));
    expect(names()).toEqual(["Bob: Online", "Cy: Online", "Dee: Busy", "Ada: Away"]);
  });

  it("applies a batched user_presence_updated: every user of it", async () => {
    installFetch({ "GET /api/presence": () => ({ body: { items: team, nextCursor: null } }) });
    const { socket } = renderWithSocket(<TeamPresence />);
    const list = await screen.findByRole("list", { name: "Team" });
    const names = () => within(list).getAllByRole("img").map((i) => i.getAttribute("aria-label"));
    const at = "2025-01-15T12:01:00Z";
    const batch: UserPresenceUpdated = {
      ...presence({ userId: "u-cy", name: "Cy", status: "online", department: "support", lastSeenAt: at, version: 2 }),
      users: [
        { userId: "u-cy", name: "Cy", status: "online", lastSeenAt: at, version: 2 },
        { userId: "u-ada", name: "Ada", status: "busy", lastSeenAt: at, version: 3 },
        { userId: "u-eve", name: "Eve", role: "agent", status: "online", lastSeenAt: at, version: 1 },
      ],
    };
    act(() => socket.serverEmit("user_presence_updated", batch));
    expect(names()).toEqual(["Bob: Online", "Cy: Online", "Eve: Online", "Ada: Busy"]);
  });

  it("reloads the list after a reconnection that was not recovered", async () => {
    let items = team;
    const calls = installFetch({ "GET /api/presence": () => ({ body: { items, nextCursor: null } }) });
    const { socket } = renderWithSocket(<TeamPresence />);
    await screen.findByRole("img", { name: "Ada: Away" });
    act(() => socket.serverConnect());
    // (GET /api/me is asked too: who I am.)
    const lists = () => calls.filter((c) => c.path === "/api/presence");
    await waitFor(() => expect(lists()).toHaveLength(2));
    act(() => socket.serverDisconnect());
    items = team.map((u) => (u.userId === "u-ada" ? { ...u, status: "offline" } : u));
    act(() => socket.serverConnect({ recovered: false }));
    await screen.findByRole("img", { name: "Ada: Offline" });
    expect(lists()).toHaveLength(3);
  });

  it("says when the list cannot be loaded", async () => {
    installFetch({ "GET /api/presence": () => ({ status: 401, body: { error: "unauthorized" } }) });
    renderWithSocket(<TeamPresence />);
    expect((await screen.findByRole("note")).textContent).toContain("unauthorized");
  });
});

describe("usePresence", () => {
  it("setMyStatus PUTs /api/presence/me and learns who I am", async () => {
    const calls = installFetch({
      "GET /api/presence": () => ({ body: { items: team, nextCursor: null } }),
      "PUT /api/presence/me": (req) => ({
        body: { ...team[0], status: (req.body as { status: string }).status, lastSeenAt: "2025-01-15T12:01:00Z" },
      }),
    });
    const f = fakeSockets();
    const wrapper = ({ children }: { children: ReactNode }) => <SocketProvider createSocket={f.create}>{children}</SocketProvider>;
    const { result } = renderHook(() => usePresence(), { wrapper });
    await waitFor(() => expect(result.current.loaded).toBe(true));
    expect(result.current.myStatus).toBe("online");
    await act(() => result.current.setMyStatus("busy"));
    const put = calls.find((c) => c.method === "PUT");
    expect(put?.path).toBe("/api/presence/me");
    expect(put?.body).toEqual({ status: "busy" });
    expect(result.current.myUserId).toBe("u-ada");
    expect(result.current.myStatus).toBe("busy");
    expect(result.current.users.find((u) => u.userId === "u-ada")?.status).toBe("busy");
    // Another tab of mine changes it: the event says so.
    act(() => f.last().serverEmit("user_presence_updated", presence({ userId: "u-ada", status: "away" })));
    expect(result.current.myStatus).toBe("away");
  });

  it("setMyStatus rejects with the server's message", async () => {
    installFetch({
      "GET /api/presence": () => ({ body: { items: [], nextCursor: null } }),
      "PUT /api/presence/me": () => ({ status: 400, body: { error: 'status: must be "online", "away" or "busy"' } }),
    });
    const f = fakeSockets();
    const wrapper = ({ children }: { children: ReactNode }) => <SocketProvider createSocket={f.create}>{children}</SocketProvider>;
    const { result } = renderHook(() => usePresence(), { wrapper });
    await expect(act(() => result.current.setMyStatus("away"))).rejects.toThrow('must be "online"');
    expect(result.current.saving).toBe(false);
  });
});

