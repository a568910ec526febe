// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { installFetch } from "../test/fakeFetch";
import { call, voicemail } from "../test/fixtures";
import { renderWithSocket } from "../test/render";
import { statsAnswer } from "../test/stats";
import { App } from "./App";

const team = [{ userId: "u-ada", name: "Ada", role: "agent", department: "support", status: "online", lastSeenAt: "2025-01-15T12:00:00Z" }];

function routes() {
  return installFetch({
    "GET /api/presence": () => ({ body: { items: team, nextCursor: null } }),
    "PUT /api/presence/me": (req) => ({ body: { ...team[0], status: (req.body as { status: string }).status } }),
    "GET /api/stats": () => ({ body: statsAnswer() }),
  });
}

describe("dashboard", () => {
  it("shows the connection state, the overview and toasts", async () => {
    routes();
    const { socket } = renderWithSocket(<App />);
    expect(screen.getByText("Connecting…")).toBeTruthy();
    act(() => socket.serverConnect());
    expect(screen.getByText("Live")).toBeTruthy();
    await screen.findByRole("img", { name: "Ada: Online" });

    const p = voicemail({ callerName: "Grace" });
    act(() => {
      socket.serverEmit("voicemail_created", p);
      socket.serverEmit("voicemail_created", p);
      socket.serverEmit("call_incoming", call());
    });
    // The overview starts with the floor's figures.
    const floor = screen.getByRole("region", { name: "The floor" });
    await within(floor).findByRole("heading", { name: "Service level" });
    expect(within(floor).getByText("75%")).toBeTruthy();
    // The feed lists both, and the toasts show both.
    expect(within(screen.getByRole("list", { name: "Activity" })).getAllByRole("listitem")).toHaveLength(2);
    expect(within(screen.getByRole("region", { name: "Notifications (F8)" })).getAllByRole("listitem")).toHaveLength(2);
  });

  it("sets my status from the header", async () => {
    const calls = routes();
    const { socket } = renderWithSocket(<App />);
    act(() => socket.serverConnect());
    const select = screen.getByRole("combobox", { name: "My status" });
    fireEvent.change(select, { target: { value: "away" } });
    await waitFor(() => expect(calls.some((c) => c.method === "PUT" && (c.body as { status: string }).status === "away")).toBe(true));
    await waitFor(() => expect((select as HTMLSelectElement).value).toBe("away"));
  });

  it("watches the team list's users when GET /api/me says presenceScope watched, and only then", async () => {
    const me = { userId: "u-me", name: "Me", email: "me@example.com", role: "agent", department: "support" };
    const list = [
      ...team,
      { userId: "u-bo", name: "Bo", role: "agent", department: "support", status: "away", lastSeenAt: "2025-01-15T12:00:00Z" },
      { userId: "u-me", name: "Me", role: "agent", department: "support", status: "online", lastSeenAt: "2025-01-15T12:00:00Z" },
    ];
    for (const presenceScope of ["department", "watched"] as const) {
      installFetch({
        "GET /api/me": () => ({ body: { ...me, presenceScope } }),
        "GET /api/presence": () => ({ body: { items: list, nextCursor: null } }),
        "GET /api/stats": () => ({ body: statsAnswer() }),
      });
      const { socket, unmount } = renderWithSocket(<App />);
      act(() => socket.serverConnect());
      await screen.findByRole("img", { name: "Bo: Away" });
      await screen.findByText("Me", { selector: ".dash-me" }); // GET /api/me has answered
      const watches = () => socket.sent.filter((s) => s.event === "presence:watch");
      if (presenceScope === "department") {
        expect(watches()).toHaveLength(0);
      } else {
        await waitFor(() => expect(watches()).toHaveLength(1));
        expect(watches()[0]?.args[0]).toEqual({ department: "support", userIds: ["u-ada", "u-bo"] });
        // The answer and the watched users' changes keep the list live.
        act(() => (watches()[0]?.args[1] as (a: unknown) => void)({ users: [{ ...list[1], status: "busy", version: 2 }] }));
        await screen.findByRole("img", { name: "Bo: Busy" });
      }
      unmount();
    }
  });

  it("shows a sign-in panel when the session is refused", () => {
    routes();
    const { socket } = renderWithSocket(<App />);
    act(() => socket.connectError("unauthorized"));
    expect(screen.getByRole("heading", { name: "You are not signed in" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "Sign in" }).getAttribute("href")).toBe("/signin");
    expect(screen.queryByRole("combobox", { name: "My status" })).toBeNull();
  });

  it("offers a retry on other errors", () => {
    routes();
    const { socket } = renderWithSocket(<App />);
    act(() => socket.connectError("xhr poll error"));
    expect(screen.getByText(/xhr poll error/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    expect(socket.connectCalls).toBe(2);
    expect(screen.getByText(/Connecting…/)).toBeTruthy();
  });
});
