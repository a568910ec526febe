// @vitest-environment jsdom
import { act, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { installFetch } from "../test/fakeFetch";
import { call } from "../test/fixtures";
import { renderWithSocket } from "../test/render";
import { statsAnswer } from "../test/stats";
import { clockTime, Floor, formatWait, perMinuteLabel } from "./Floor";
import { sparklinePaths } from "./Sparkline";

const tile = (title: string) => screen.getByRole("heading", { name: title }).closest("li") as HTMLElement;

describe("Floor", () => {
  it("shows the figures that matter first, then the charts, and follows events", async () => {
    let answer = statsAnswer();
    installFetch({ "GET /api/stats": () => ({ body: answer }) });
    const { socket } = renderWithSocket(<Floor />);
    const floor = await screen.findByRole("region", { name: "The floor" });
    await within(floor).findByRole("heading", { name: "In queue" });
    expect(floor.querySelector("time")?.getAttribute("dateTime")).toBe("2025-01-15T00:00:00Z");
    expect(within(floor).getByText(/today since/).textContent).toMatch(/today since 00.00 UTC/);

    const sales = tile("In queue").querySelector('[data-department="sales"]') as HTMLElement;
    expect(within(sales).getByText("2").getAttribute("data-stat")).toBe("waiting");
    expect(sales.textContent).toMatch(/longest 1:3\d/);
    expect(tile("In queue").querySelector('[data-department="support"]')?.textContent).not.toMatch(/longest/);

    const agents = tile("Agents");
    const group = (k: string) => agents.querySelector(`[data-availability="${k}"]`)?.textContent ?? "";
    expect(group("available")).toMatch(/^1 available.*Sally Seller \(Available\)/);
    expect(group("busy")).toMatch(/^2 busy.*Simon Seller \(Break\), Sam Sales/);
    expect(group("offline")).toMatch(/^1 offline.*Pat Helper$/);

    expect(tile("Voicemails to hear").querySelector('[data-stat="voicemailsUnlistened"]')?.textContent).toBe("3");
    expect(within(tile("Voicemails to hear")).getByRole("link", { name: "Open voicemails" }).getAttribute("href")).toBe("#/voicemails");
    expect(tile("Unread conversations").querySelector('[data-stat="conversationsUnread"]')?.textContent).toBe("4");
    expect(tile("Service level").textContent).toContain("75%");
    expect(tile("Service level").textContent).toContain("6 of 8 answered within 20 s");
    const count = (k: string) => floor.querySelector(`li[data-stat="${k}"] .dash-tile__big`)?.textContent;
    expect([count("calls"), count("missedCalls"), count("voicemails"), count("smsIn"), count("smsOut")]).toEqual(["12", "2", "1", "7", "5"]);

    // The charts come after the numbers, each with a text alternative.
    const charts = within(floor).getAllByRole("img");
    expect(charts.map((c) => c.getAttribute("aria-label"))).toEqual([
      "Calls per minute over the last hour: 8 in total, at most 2 in a minute, 2 this minute",
      "Messages per minute over the last hour: 3 in total, at most 3 in a minute, 0 this minute",
    ]);
    expect(tile("SMS out today").compareDocumentPosition(charts[0] as Node) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();

    // An event brings the new figures.
    answer = statsAnswer({ voicemailsUnlistened: 9 });
    act(() => socket.serverEmit("call_incoming", call()));
    await waitFor(() => expect(tile("Voicemails to hear").querySelector('[data-stat="voicemailsUnlistened"]')?.textContent).toBe("9"));
  });

  it("says when the figures cannot load", async () => {
    installFetch({ "GET /api/stats": () => ({ status: 500, body: { error: "internal error" } }) });
    renderWithSocket(<Floor />);
    expect(await screen.findByText(/Could not load the figures: internal error/)).toBeTruthy();
  });

  it("shows no percent before the first answered call", async () => {
    installFetch({
      "GET /api/stats": () => ({ body: statsAnswer({ serviceLevel: { thresholdSeconds: 20, answered: 0, answeredWithin: 0, percent: null } }) }),
    });
    renderWithSocket(<Floor />);
    await screen.findByRole("heading", { name: "Service level" });
    expect(tile("Service level").textContent).toContain("—");
    expect(tile("Service level").textContent).toContain("no call answered yet today");
  });
});

describe("formatWait", () => {
  it.each([
    [0, "0:00"],
    [35, "0:35"],
    [95.9, "1:35"],
    [3723, "1:02:03"],
    [86400 * 3, "over a day"],
    [-4, "0:00"],
  ])("%s s is %s", (s, want) => expect(formatWait(s)).toBe(want));
});

describe("clockTime", () => {
  it("gives the day's start in the service's time zone", () => {
    expect(clockTime("2025-01-15T00:00:00Z", "UTC")).toMatch(/^00.00$/);
    expect(clockTime("2025-01-14T23:00:00Z", "Europe/Paris")).toMatch(/^00.00$/);
    expect(clockTime("2025-01-15T00:00:00Z", "Not/AZone")).not.toBe(""); // the browser's zone, no crash
    expect(clockTime("soon", "UTC")).toBe("");
  });
});

describe("perMinuteLabel", () => {
  it("says the total, the peak and the current minute", () => {
    expect(perMinuteLabel("Calls", [])).toBe("Calls per minute over the last hour: 0 in total, at most 0 in a minute, 0 this minute");
  });
});

describe("sparklinePaths", () => {
  it("scales to the peak, oldest at the left", () => {
    const { line, area } = sparklinePaths([0, 2, 1], 100, 22);
    expect(line).toBe("M0,21 L50,1 L100,11");
    expect(area).toBe("M0,21 L50,1 L100,11 L100,22 L0,22 Z");
  });
  it("draws a flat line for no traffic and nothing for no values", () => {
    expect(sparklinePaths([0, 0], 10, 10).line).toBe("M0,9 L10,9");
    expect(sparklinePaths([], 10, 10)).toEqual({ line: "", area: "" });
  });
});
