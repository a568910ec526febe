// Stand-ins for the browser's Notification and AudioContext (jsdom has neither).
import { vi } from "vitest";

/** Installs a fake Notification with the given permission; records what it shows and asks. */
export function fakeNotification(permission: NotificationPermission, answer: NotificationPermission = "granted") {
  const shown: { title: string; options?: NotificationOptions }[] = [];
  const requestPermission = vi.fn(async () => {
    Fake.permission = answer;
    return answer;
  });
  class Fake {
    static permission: NotificationPermission = permission;
    static requestPermission = requestPermission;
    onclick: (() => void) | null = null;
    constructor(title: string, options?: NotificationOptions) {
      shown.push({ title, ...(options ? { options } : {}) });
    }
    close() {}
  }
  vi.stubGlobal("Notification", Fake);
  return { shown, requestPermission, Fake };
}

/** Installs a fake AudioContext; counts contexts made and tones started. */
export function fakeAudio() {
  const counts = { contexts: 0, tones: 0 };
  const param = { setValueAtTime() {}, exponentialRampToValueAtTime() {} };
  class Fake {
    state = "running";
    currentTime = 0;
    destination = {};
    constructor() {
      counts.contexts++;
    }
    resume() {
      return Promise.resolve();
    }
    createOscillator() {
      return { type: "sine", frequency: param, connect() {}, start: () => counts.tones++, stop() {} };
    }
    createGain() {
      return { gain: param, connect() {} };
    }
  }
  vi.stubGlobal("AudioContext", Fake);
  return counts;
}
