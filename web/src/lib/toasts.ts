import type { EventName, EventPayload } from "../generated/events.js";
import { describeEvent, truncate, type DescribeOptions } from "./describe.js";
import type { HrefFor, LinkedEvent } from "./links.js";
import { rememberId } from "./dedupe.js";

/** The events RealtimeNotifications shows by default. */
export const TOAST_EVENTS = [
  "voicemail_created",
  "call_incoming",
  "task_assigned",
  "message_received",
  "system_notification",
] as const satisfies readonly EventName[];

export type ToastEventName = (typeof TOAST_EVENTS)[number];

export type ToastLevel = "info" | "success" | "warning" | "error";

export interface Toast {
  /** The event's id: a second event with the same id is a duplicate. */
  id: string;
  event: EventName;
  title: string;
  message: string;
  level: ToastLevel;
  /** Announced assertively (an incoming call, an error) rather than politely. */
  urgent: boolean;
  /** Where the toast leads: its record (hrefFor), or the safe link a system notification carries. */
  link?: string;
}

export interface ToastState {
  /** Visible toasts, newest first. */
  toasts: Toast[];
  /** Ids already shown, most recent last (bounded). */
  seen: string[];
}

export type ToastAction =
  | { type: "push"; toast: Toast; max: number }
  | { type: "dismiss"; id: string }
  | { type: "clear" };

export const initialToasts: ToastState = { toasts: [], seen: [] };

/** How many ids the toast queue remembers for deduplication. */
export const SEEN_LIMIT = 500;

/**
 * The toast queue: push adds a toast on top unless its id was seen before
 * (a redelivery after a reconnect, say), dropping the oldest beyond max;
 * dismiss removes one.
 */
export function toastReducer(state: ToastState, action: ToastAction): ToastState {
  switch (action.type) {
    case "push": {
      const { toast } = action;
      if (state.seen.includes(toast.id)) return state;
      const max = Math.max(1, Math.floor(action.max));
      return {
        toasts: [toast, ...state.toasts].slice(0, max),
        seen: rememberId(state.seen, toast.id, SEEN_LIMIT),
      };
    }
    case "dismiss": {
      const toasts = state.toasts.filter((t) => t.id !== action.id);
      return toasts.length === state.toasts.length ? state : { ...state, toasts };
    }
    case "clear":
      return state.toasts.length === 0 ? state : { ...state, toasts: [] };
  }
}

/** Accepts a same-site path or an http(s) URL; anything else (javascript:, data:) is dropped. */
export function safeLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  const l = link.trim();
  if (l.startsWith("/") && !l.startsWith("//") && !l.startsWith("/\\")) return l;
  if (/^https?:\/\/[^\s]+$/i.test(l)) return l;
  return undefined;
}

/** Options of toastFromEvent. */
export interface ToastOptions extends DescribeOptions {
  /** The href of the event's record; a system notification's own link is used when it gives none. */
  hrefFor?: HrefFor;
}

/** The toast for an event. */
export function toastFromEvent<N extends EventName>(event: N, payload: EventPayload<N>, options: ToastOptions = {}): Toast {
  const base = { id: payload.id, event };
  let href: string | undefined;
  try {
    href = options.hrefFor?.({ type: event, payload } as LinkedEvent);
  } catch {
    href = undefined; // a link builder's bug costs the link, not the toast
  }
  if (event === "system_notification") {
    const p = payload as EventPayload<"system_notification">;
    const link = href ?? safeLink(p.link);
    return {
      ...base,
      title: truncate(p.title || "Notification", 80),
      message: truncate(p.message ?? "", 240),
      level: p.level ?? "info",
      urgent: p.level === "error",
      ...(link ? { link } : {}),
    };
  }
  const { title, detail } = describeEvent(event, payload, options);
  return { ...base, title, message: detail, level: "info", urgent: event === "call_incoming", ...(href ? { link: href } : {}) };
}
