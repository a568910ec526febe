// @vitest-environment jsdom
import { act, render, renderHook, screen, waitFor, within } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it } from "vitest";
import { installFetch } from "../test/fakeFetch";
import { fakeSockets, type FakeSocket } from "../test/fakeSocket";
import { presence } from "../test/fixtures";
import { renderWithSocket } from "../test/render";
import { TeamPresence } from "./PresenceIndicator";
import { SocketProvider } from "./SocketProvider";
import { usePresence, type UsePresenceOptions } from "./usePresence";

type Ack = (answer: unknown) => void;

/** The presence:watch requests the client sent, with their ack callbacks. */
function watches(socket: FakeSocket): { payload: unknown; ack: Ack | undefined }[] {
  return socket.sent
    .filter((s) => s.event === "presence:watch")
    .map((s) => ({ payload: s.args[0], ack: typeof s.args[1] === "function" ? (s.args[1] as Ack) : undefined }));
}

function answer(socket: FakeSocket, i: number, a: unknown) {
  const w = watches(socket)[i];
  if (!w?.ack) throw new Error(`no watch ${i} with an ack`);
  act(() => w.ack!(a));
}

const entry = (userId: string, status: string, version: number, department = "support") => ({
  userId,
  name: userId.toUpperCase(),
  role: "agent",
  department,
  status,
  lastSeenAt: "2025-01-15T12:00:00Z",
  version,
});

function setup(initial: UsePresenceOptions) {
  const calls = installFetch({
    "GET /api/presence": () => ({ body: { items: [entry("u-zed", "online", 1)], nextCursor: null } }),
  });
  const f = fakeSockets();
  const wrapper = ({ children }: { children: ReactNode }) => <SocketProvider createSocket={f.create}>{children}</SocketProvider>;
  const hook = renderHook((opts: UsePresenceOptions) => usePresence(opts), { wrapper, initialProps: initial });
  return { ...hook, socket: f.last(), calls };
}

describe("usePresence with watch", () => {
  it("watches on connect and on every reconnection, recovered or not (watched changes are not replayed)", async () => {
    const { result, socket, calls } = setup({ myUserId: "u-me", watch: ["u-bob", "u-ann", "u-bob"] });
    expect(watches(socket)).toHaveLength(0); // not before the socket connects
    act(() => socket.serverConnect());
    expect(watches(socket).map((w) => w.payload)).toEqual([{ userIds: ["u-ann", "u-bob"] }]);
    expect(result.current.loaded).toBe(false);

    // The answer is the list: the watched users the server knows.
    answer(socket, 0, { users: [entry("u-bob", "away", 5)] });
    expect(result.current.loaded).toBe(true);
    expect(result.current.users.map((u) => [u.userId, u.status])).toEqual([["u-bob", "away"]]);

    act(() => socket.serverDisconnect());
    act(() => socket.serverConnect({ recovered: true }));
    // The rooms were kept, but what changed meanwhile was not replayed:
    // the answer brings it.
    expect(watches(socket)).toHaveLength(2);
    answer(socket, 1, { users: [entry("u-bob", "online", 7)] });
    expect(result.current.users.map((u) => [u.userId, u.status])).toEqual([["u-bob", "online"]]);

    act(() => socket.serverDisconnect());
    act(() => socket.serverConnect({ recovered: false }));
    expect(watches(socket).map((w) => w.payload)).toEqual([
      { userIds: ["u-ann", "u-bob"] },
      { userIds: ["u-ann", "u-bob"] },
      { userIds: ["u-ann", "u-bob"] },
    ]);
    answer(socket, 2, { users: [entry("u-bob", "offline", 9), entry("u-ann", "online", 2)] });
    expect(result.current.users.map((u) => [u.userId, u.status])).toEqual([
      ["u-ann", "online"],
      ["u-bob", "offline"],
    ]);

    // The team list is never asked.
    await Promise.resolve();
    expect(calls.filter((c) => c.path === "/api/presence")).toHaveLength(0);
  });

  it("watches again when the list's contents change, not when only its identity or order does", () => {
    const { result, socket, rerender } = setup({ myUserId: "u-me", watch: ["a", "b"] });
    act(() => socket.serverConnect());
    answer(socket, 0, { users: [entry("a", "online", 1), entry("b", "busy", 1)] });
    rerender({ myUserId: "u-me", watch: ["b", "a"] });
    rerender({ myUserId: "u-me", watch: ["a", "b", "a"] });
    expect(watches(socket)).toHaveLength(1);

    rerender({ myUserId: "u-me", watch: ["b", "c"] });
    expect(watches(socket).map((w) => w.payload)).toEqual([{ userIds: ["a", "b"] }, { userIds: ["b", "c"] }]);
    // Until the answer, the users are those still watched.
    expect(result.current.users.map((u) => u.userId)).toEqual(["b"]);
    answer(socket, 1, { users: [entry("c", "away", 3)] });
    // b is watched but unknown to the server now: the answer drops it.
    expect(result.current.users.map((u) => [u.userId, u.status])).toEqual([["c", "away"]]);

    rerender({ myUserId: "u-me", watch: [] });
    expect(watches(socket).at(-1)?.payload).toEqual({ userIds: [] });
    expect(result.current.users).toEqual([]);
  });

  it("surfaces the server's refusal, and clears it with the next answer", () => {
    const { result, socket, rerender } = setup({ myUserId: "u-me", watch: ["a"], watchDepartment: "sales" });
    act(() => socket.serverConnect());
    expect(watches(socket)[0]?.payload).toEqual({ department: "sales", userIds: ["a"] });
    answer(socket, 0, { error: "you may watch only the users of your own department" });
    expect(result.current.error).toBe("you may watch only the users of your own department");
    expect(result.current.loaded).toBe(false);

    rerender({ myUserId: "u-me", watch: ["a"], watchDepartment: "support" });
    // The department's watch is replaced: the old one is emptied first.
    expect(watches(socket).slice(1).map((w) => w.payload)).toEqual([
      { department: "sales", userIds: [] },
      { department: "support", userIds: ["a"] },
    ]);
    answer(socket, 2, { users: [entry("a", "online", 1)] });
    expect(result.current.users.map((u) => u.userId)).toEqual(["a"]);
    // Until sales's own answer, its refusal stands.
    expect(result.current.error).toBe("you may watch only the users of your own department");
    answer(socket, 1, {});
    expect(result.current.error).toBeNull();
    // The answer of a request that a later one superseded does not say whether the watch stands.
    rerender({ myUserId: "u-me", watch: ["a", "b"], watchDepartment: "support" });
    rerender({ myUserId: "u-me", watch: ["a", "c"], watchDepartment: "support" });
    answer(socket, 4, { users: [entry("a", "online", 1)] });
    answer(socket, 3, { error: "too late" });
    expect(result.current.error).toBeNull();
    // A refusal of a later list.
    rerender({ myUserId: "u-me", watch: ["a"], watchDepartment: "support" });
    answer(socket, 5, { error: "a socket may watch at most 1000 users" });
    expect(result.current.error).toBe("a socket may watch at most 1000 users");
    expect(result.current.users.map((u) => u.userId)).toEqual(["a"]);
  });

  it("applies a later user_presence_updated of a watched user by its version", () => {
    const { result, socket } = setup({ myUserId: "u-me", watch: ["u-bob"] });
    act(() => socket.serverConnect());
    // A change that overtakes the answer (published after the server joined the room).
    act(() => socket.serverEmit("user_presence_updated", presence({ userId: "u-bob", name: "Bob", status: "busy", version: 7 })));
    answer(socket, 0, { users: [entry("u-bob", "online", 6)] });
    const bob = () => result.current.users.find((u) => u.userId === "u-bob");
    expect(bob()?.status).toBe("busy");
    // An older change arrives late: ignored.
    act(() => socket.serverEmit("user_presence_updated", presence({ userId: "u-bob", name: "Bob", status: "online", version: 6 })));
    expect(bob()?.status).toBe("busy");
    act(() => socket.serverEmit("user_presence_updated", presence({ userId: "u-bob", name: "Bob", status: "away", version: 8 })));
    expect(bob()?.status).toBe("away");
    // Another user's change (the department scope sends them) is not in the list.
    act(() => socket.serverEmit("user_presence_updated", presence({ userId: "u-cy", status: "online", version: 1 })));
    expect(result.current.users.map((u) => u.userId)).toEqual(["u-bob"]);
  });

  it("sends a change made while disconnected once reconnected, recovered or not", () => {
    const { socket, rerender } = setup({ myUserId: "u-me", watch: ["a"] });
    act(() => socket.serverConnect());
    act(() => socket.serverDisconnect());
    rerender({ myUserId: "u-me", watch: ["a", "b"] });
    expect(watches(socket)).toHaveLength(1);
    act(() => socket.serverConnect({ recovered: true }));
    expect(watches(socket).map((w) => w.payload)).toEqual([{ userIds: ["a"] }, { userIds: ["a", "b"] }]);
  });

  it("stops watching when unmounted", () => {
    installFetch({});
    const f = fakeSockets();
    function Watcher() {
      usePresence({ myUserId: "u-me", watch: ["a"], watchDepartment: "sales" });
      return null;
    }
    const ui = (show: boolean) => <SocketProvider createSocket={f.create}>{show && <Watcher />}</SocketProvider>;
    const { rerender } = render(ui(true));
    const socket = f.last();
    act(() => socket.serverConnect());
    rerender(ui(false));
    expect(watches(socket).map((w) => w.payload)).toEqual([
      { department: "sales", userIds: ["a"] },
      { department: "sales", userIds: [] },
    ]);
  });
});

describe("usePresence with watchListed", () => {
  const list = [
    entry("u-ann", "online", 1, "support"),
    entry("u-me", "online", 1, "support"),
    entry("u-bob", "away", 1, "sales"),
    entry("u-cy", "offline", 1, "support"),
  ];

  it("loads the list and watches its users by department, but me", async () => {
    installFetch({ "GET /api/presence": () => ({ body: { items: list, nextCursor: null } }) });
    const f = fakeSockets();
    const wrapper = ({ children }: { children: ReactNode }) => <SocketProvider createSocket={f.create}>{children}</SocketProvider>;
    const { result } = renderHook(() => usePresence({ myUserId: "u-me", watchListed: true }), { wrapper });
    const socket = f.last();
    act(() => socket.serverConnect());
    await waitFor(() => expect(watches(socket)).toHaveLength(2));
    expect(watches(socket).map((w) => w.payload)).toEqual([
      { department: "sales", userIds: ["u-bob"] },
      { department: "support", userIds: ["u-ann", "u-cy"] },
    ]);
    // An answer adds to the list (it leaves out the users the server does not know).
    answer(socket, 1, { users: [entry("u-cy", "online", 2)] });
    expect(result.current.users.map((u) => [u.userId, u.status])).toEqual([
      ["u-ann", "online"],
      ["u-cy", "online"],
      ["u-me", "online"],
      ["u-bob", "away"],
    ]);
  });

  it("watches at most 1000 users, the list's first", async () => {
    const many = Array.from({ length: 1200 }, (_, i) => entry(`u${String(i).padStart(4, "0")}`, "online", 1));
    installFetch({ "GET /api/presence": () => ({ body: { items: many, nextCursor: null } }) });
    const f = fakeSockets();
    const wrapper = ({ children }: { children: ReactNode }) => <SocketProvider createSocket={f.create}>{children}</SocketProvider>;
    const { result } = renderHook(() => usePresence({ myUserId: "u-me", watchListed: true }), { wrapper });
    act(() => f.last().serverConnect());
    await waitFor(() => expect(watches(f.last())).toHaveLength(1));
    const ids = (watches(f.last())[0]?.payload as { userIds: string[] }).userIds;
    expect(ids).toHaveLength(1000);
    expect(ids[0]).toBe("u0000");
    expect(ids.at(-1)).toBe("u0999");
    expect(result.current.users).toHaveLength(1200);
  });

  it("follows GET /api/me's presenceScope when the hook asks it (TeamPresence on its own)", async () => {
    installFetch({
      "GET /api/me": () => ({ body: { userId: "u-me", name: "Me", email: "", role: "agent", department: "support", presenceScope: "watched" } }),
      "GET /api/presence": () => ({ body: { items: list, nextCursor: null } }),
    });
    const { socket } = renderWithSocket(<TeamPresence />);
    act(() => socket.serverConnect());
    await waitFor(() => expect(watches(socket)).toHaveLength(2));
    answer(socket, 0, { users: [entry("u-bob", "busy", 4, "sales")] });
    const team = await screen.findByRole("list", { name: "Team" });
    expect(within(team).getByRole("img", { name: "U-BOB: Busy" })).toBeTruthy();
  });

  it("watches nothing in the department scope", async () => {
    installFetch({
      "GET /api/me": () => ({ body: { userId: "u-me", name: "Me", email: "", role: "agent", department: "support", presenceScope: "department" } }),
      "GET /api/presence": () => ({ body: { items: list, nextCursor: null } }),
    });
    const { socket } = renderWithSocket(<TeamPresence />);
    act(() => socket.serverConnect());
    await screen.findByRole("img", { name: "U-BOB: Away" });
    await waitFor(() => expect(screen.getByText(/\(you\)/)).toBeTruthy()); // GET /api/me has answered
    expect(watches(socket)).toHaveLength(0);
  });
});
