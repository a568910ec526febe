// @vitest-environment jsdom
import { act, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { beforeEach, describe, expect, it } from "vitest";
import { fakeAudio, fakeNotification } from "../test/alertMocks";
import { AlertControls } from "./AlertControls";
import { ALERTS_STORAGE_KEY, resetAlertSettings, resetChime } from "./alerts";

const saved = () => JSON.parse(localStorage.getItem(ALERTS_STORAGE_KEY) ?? "null");

describe("AlertControls", () => {
  beforeEach(() => {
    localStorage.clear();
    resetAlertSettings();
    resetChime();
  });

  it("starts off and never asks for permission on load", () => {
    const note = fakeNotification("default");
    const audio = fakeAudio();
    render(<AlertControls />);
    expect(screen.getByRole("button", { name: /Sound/ }).getAttribute("aria-pressed")).toBe("false");
    expect(screen.getByRole("button", { name: /Desktop alerts/ }).getAttribute("aria-pressed")).toBe("false");
    expect(note.requestPermission).not.toHaveBeenCalled();
    expect(audio.contexts).toBe(0);
  });

  it("asks for permission on the click, and remembers the choices", async () => {
    const note = fakeNotification("default", "granted");
    fakeAudio();
    const { unmount } = render(<AlertControls />);
    fireEvent.click(screen.getByRole("button", { name: /Desktop alerts/ }));
    expect(note.requestPermission).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(screen.getByRole("button", { name: /Desktop alerts/ }).getAttribute("aria-pressed")).toBe("true"));
    fireEvent.click(screen.getByRole("button", { name: /Sound/ }));
    expect(saved()).toEqual({ sound: true, desktop: true });
    unmount();
    resetAlertSettings(); // a new page load reads localStorage
    render(<AlertControls />);
    expect(screen.getByRole("button", { name: /Sound/ }).getAttribute("aria-pressed")).toBe("true");
    expect(screen.getByRole("button", { name: /Desktop alerts/ }).getAttribute("aria-pressed")).toBe("true");
  });

  it("stays off and says so when the browser refuses", async () => {
    fakeNotification("default", "denied");
    render(<AlertControls />);
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: /Desktop alerts/ }));
    });
    expect(screen.getByRole("button", { name: /Desktop alerts/ }).getAttribute("aria-pressed")).toBe("false");
    expect(screen.getByRole("status").textContent).toMatch(/blocked/);
    expect(saved()).toEqual({ sound: false, desktop: false });
  });

  it("plays a sample when sound is turned on", () => {
    const audio = fakeAudio();
    render(<AlertControls />);
    fireEvent.click(screen.getByRole("button", { name: /Sound/ }));
    expect(audio.tones).toBe(2);
  });
});
