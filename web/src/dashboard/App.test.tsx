// @vitest-environment jsdom
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { installFetch } from "../test/fakeFetch";
import { call, voicemail } from "../test/fixtures";
import { renderWithSocket } from "../test/render";
import { App } from "./App";
import { countEvent, initialCounters } from "./counters";

const team = [{ userId: "u-ada", name: "Ada", role: "agent", department: "support", status: "online", lastSeenAt: "2025-01-15T12:00:00Z" }];

function routes() {
  return installFetch({
    "GET /api/presence": () => ({ body: { items: team, nextCursor: null } }),
    "PUT /api/presence/me": (req) => ({ body: { ...team[0], status: (req.body as { status: string }).status } }),
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
    // Counters count each event once.
    const counters = screen.getByRole("region", { name: "Live events" });
    const total = (title: string) =>
      within(counters).getByRole("heading", { name: title }).closest("li")?.querySelector(".dash-counter__total")?.textContent;
    expect(total("Voicemails")).toBe("1");
    expect(total("Calls")).toBe("1");
    expect(total("Tasks")).toBe("0");
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

describe("countEvent", () => {
  it("counts per type, once per id", () => {
    let s = initialCounters();
    s = countEvent(s, "call_incoming", "a");
    s = countEvent(s, "call_incoming", "a");
    s = countEvent(s, "call_incoming", "b");
    s = countEvent(s, "voicemail_created", "c");
    expect(s.counts.call_incoming).toBe(2);
    expect(s.counts.voicemail_created).toBe(1);
    expect(s.counts.task_assigned).toBe(0);
  });
});
