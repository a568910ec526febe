import { useCallback, useSyncExternalStore } from "react";
import type { EventName } from "../generated/events.js";

/**
 * What the user chose to be alerted by, beside the toasts: a sound for
 * incoming calls and task offers, and desktop notifications while the tab
 * is hidden. Both off until the user turns them on; remembered in
 * localStorage.
 */
export interface AlertSettings {
  sound: boolean;
  desktop: boolean;
}

/** The localStorage key of the alert settings. */
export const ALERTS_STORAGE_KEY = "kinrt.alerts";

/** The events that ring (with sound on): someone is waiting for an answer. */
export const SOUND_EVENTS: readonly EventName[] = ["call_incoming", "task_assigned"];

const OFF: AlertSettings = { sound: false, desktop: false };

function read(): AlertSettings {
  try {
    const raw = globalThis.localStorage?.getItem(ALERTS_STORAGE_KEY);
    if (!raw) return OFF;
    const v = JSON.parse(raw) as Partial<AlertSettings>;
    return { sound: v.sound === true, desktop: v.desktop === true };
  } catch {
    return OFF; // storage refused (privacy mode) or garbage: off
  }
}

let current: AlertSettings | null = null;
const listeners = new Set<() => void>();

function snapshot(): AlertSettings {
  return (current ??= read());
}

function write(next: AlertSettings): void {
  current = next;
  try {
    globalThis.localStorage?.setItem(ALERTS_STORAGE_KEY, JSON.stringify(next));
  } catch {
    // kept for this page only
  }
  for (const l of listeners) l();
}

function subscribe(l: () => void): () => void {
  listeners.add(l);
  const onStorage = (e: StorageEvent) => {
    if (e.key === ALERTS_STORAGE_KEY) {
      current = read();
      l();
    }
  };
  globalThis.addEventListener?.("storage", onStorage);
  return () => {
    listeners.delete(l);
    globalThis.removeEventListener?.("storage", onStorage);
  };
}

/** The current alert settings (outside React). */
export function alertSettings(): AlertSettings {
  return snapshot();
}

/** Forgets the cached settings (tests; another tab changed them). */
export function resetAlertSettings(): void {
  current = null;
  for (const l of listeners) l();
}

/** Whether this browser has desktop notifications. */
export function desktopSupported(): boolean {
  return typeof globalThis.Notification === "function";
}

export interface AlertSettingsResult extends AlertSettings {
  /** The browser's permission for desktop notifications ("unsupported" without the API). */
  permission: NotificationPermission | "unsupported";
  setSound(on: boolean): void;
  /**
   * Turns desktop notifications on or off; on asks the browser's
   * permission (call it from a click: browsers ignore a request made
   * without one) and stays off when refused. Resolves to the new setting.
   */
  setDesktop(on: boolean): Promise<boolean>;
}

/** The alert settings, shared by every component of the page and remembered. */
export function useAlertSettings(): AlertSettingsResult {
  const s = useSyncExternalStore(subscribe, snapshot, () => OFF);
  const setSound = useCallback((on: boolean) => {
    write({ ...snapshot(), sound: on });
    if (on) playChime(); // what it will sound like, and unlocks audio within the click
  }, []);
  const setDesktop = useCallback(async (on: boolean) => {
    if (!on || !desktopSupported()) {
      write({ ...snapshot(), desktop: false });
      return false;
    }
    let permission = Notification.permission;
    if (permission === "default") permission = await Notification.requestPermission();
    const granted = permission === "granted";
    write({ ...snapshot(), desktop: granted });
    return granted;
  }, []);
  const permission = desktopSupported() ? Notification.permission : "unsupported";
  return { ...s, permission, setSound, setDesktop };
}

let audio: AudioContext | null = null;

/**
 * Plays a short two-tone chime, made with WebAudio (no sound file). Does
 * nothing where WebAudio is missing or not allowed yet.
 */
export function playChime(): void {
  const Ctx = (globalThis as { AudioContext?: typeof AudioContext; webkitAudioContext?: typeof AudioContext }).AudioContext ??
    (globalThis as { webkitAudioContext?: typeof AudioContext }).webkitAudioContext;
  if (!Ctx) return;
  try {
    audio ??= new Ctx();
    if (audio.state === "suspended") void audio.resume().catch(() => {});
    const t0 = audio.currentTime;
    for (const [i, freq] of [660, 880].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      const start = t0 + i * 0.18;
      osc.type = "sine";
      osc.frequency.setValueAtTime(freq, start);
      gain.gain.setValueAtTime(0.0001, start);
      gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.16);
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start(start);
      osc.stop(start + 0.17);
    }
  } catch {
    // audio is a nicety
  }
}

/** Forgets the audio context (tests). */
export function resetChime(): void {
  audio = null;
}

/**
 * Shows a desktop notification when the user turned them on, the
 * permission is granted and the page is hidden; a click focuses the page
 * and opens href. Returns whether one was shown.
 */
export function notifyDesktop(n: { id: string; title: string; body: string; href?: string | undefined }): boolean {
  if (!snapshot().desktop || !desktopSupported() || Notification.permission !== "granted") return false;
  if (typeof document === "undefined" || document.visibilityState !== "hidden") return false;
  try {
    const note = new Notification(n.title, { body: n.body, tag: n.id });
    note.onclick = () => {
      globalThis.focus?.();
      if (n.href) globalThis.location.assign(n.href);
      note.close();
    };
    return true;
  } catch {
    return false; // some browsers allow them only from a service worker
  }
}
