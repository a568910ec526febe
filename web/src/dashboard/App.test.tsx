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
