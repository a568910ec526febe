import { useCallback, useEffect, useId, useReducer, useRef, useState, type KeyboardEvent, type FocusEvent } from "react";
import type { EventName, EventPayload } from "../generated/events.js";
import { initialToasts, toastFromEvent, toastReducer, TOAST_EVENTS, type Toast } from "./toasts.js";
import { useSocketEvent } from "./useSocketEvent.js";

export interface RealtimeNotificationsProps {
  /** The events that raise a toast. Default: new voicemails, incoming calls, task offers, new messages, system notifications. */
  events?: readonly EventName[];
  /** How long a toast stays, in ms (or per toast); 0 or Infinity: until dismissed. Default 6000. Timers pause while the pointer or focus is on the toasts. */
  autoDismissMs?: number | ((toast: Toast) => number);
  /** At most this many toasts are stacked; the oldest goes first. Default 5. */
  max?: number;
  /** The accessible name of the toast region. Default "Notifications". */
  label?: string;
  /** A key (KeyboardEvent.key) that moves focus to the newest toast from anywhere; null for none. Default "F8". */
  hotkey?: string | null;
  className?: string;
}

/**
 * Toasts for the events the server sends this user (it routes them: nothing
 * is filtered here), stacked newest first, auto-dismissed, deduplicated by
 * event id and announced to screen readers. Escape dismisses the toast that
 * has focus, as does its close button.
 */
export function RealtimeNotifications({
  events = TOAST_EVENTS,
  autoDismissMs = 6000,
  max = 5,
  label = "Notifications",
  hotkey = "F8",
  className,
}: RealtimeNotificationsProps) {
  const [state, dispatch] = useReducer(toastReducer, initialToasts);
  const [paused, setPaused] = useState({ hover: false, focus: false });
  const [announcement, setAnnouncement] = useState({ polite: "", urgent: "" });
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const pendingFocus = useRef<string | null>(null);
  const focusOrigin = useRef<HTMLElement | null>(null);
  const region = useRef<HTMLElement | null>(null);
  const announced = useRef(new Set<string>());
  const movingFocus = useRef(false);

  useSocketEvent(events, (event, payload) => {
    const toast = toastFromEvent(event, payload as EventPayload<typeof event>);
    dispatch({ type: "push", toast, max });
  });

  // Announce each new toast once, in the live region of its urgency.
  const newest = state.toasts[0];
  useEffect(() => {
    if (!newest || announced.current.has(newest.id)) return;
    announced.current.add(newest.id);
    if (announced.current.size > 200) announced.current = new Set(Array.from(announced.current).slice(-100));
    const text = newest.message ? `${newest.title}: ${newest.message}` : newest.title;
    setAnnouncement((a) => (newest.urgent ? { ...a, urgent: text } : { ...a, polite: text }));
  }, [newest]);

  const dismiss = useCallback((id: string) => dispatch({ type: "dismiss", id }), []);

  // The hotkey jumps to the newest toast, so keyboard users need not tab
  // through the page to reach it.
  const newestId = newest?.id;
  useEffect(() => {
    if (!hotkey) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== hotkey || e.altKey || e.ctrlKey || e.metaKey) return;
      const button = newestId ? buttons.current.get(newestId) : undefined;
      if (button) {
        e.preventDefault();
        button.focus();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [hotkey, newestId]);

  const dismissByUser = useCallback(
    (id: string) => {
      const list = state.toasts;
      const i = list.findIndex((t) => t.id === id);
      const hadFocus = region.current?.contains(document.activeElement) ?? false;
      if (hadFocus) {
        const next = list[i + 1] ?? list[i - 1];
        pendingFocus.current = next ? next.id : "";
      }
      dismiss(id);
    },
    [state.toasts, dismiss],
  );

  // Keep keyboard focus in the stack after a dismissal, or give it back.
  useEffect(() => {
    const target = pendingFocus.current;
    if (target === null) return;
    pendingFocus.current = null;
    const button = target ? buttons.current.get(target) : undefined;
    if (button) {
      movingFocus.current = true;
      try {
        button.focus();
      } finally {
        movingFocus.current = false;
      }
    } else if (focusOrigin.current?.isConnected) {
      focusOrigin.current.focus();
    }
  }, [state.toasts]);

  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (e.key !== "Escape") return;
    const item = (e.target as HTMLElement).closest<HTMLElement>("[data-toast-id]");
    const id = item?.dataset.toastId;
    if (id) {
      e.preventDefault();
      e.stopPropagation();
      dismissByUser(id);
    }
  };
  const onFocus = (e: FocusEvent<HTMLElement>) => {
    const from = e.relatedTarget as HTMLElement | null;
    // Remember where focus came from, to give it back when the last toast
    // goes; not when we move it ourselves from a toast just removed.
    if (!movingFocus.current && (!from || !e.currentTarget.contains(from))) focusOrigin.current = from;
    setPaused((p) => (p.focus ? p : { ...p, focus: true }));
  };
  const onBlur = (e: FocusEvent<HTMLElement>) => {
    const to = e.relatedTarget as Node | null;
    if (!to || !e.currentTarget.contains(to)) setPaused((p) => (p.focus ? { ...p, focus: false } : p));
  };

  const isPaused = paused.hover || paused.focus;
  return (
    <section
      ref={region}
      className={["kin-toasts", className].filter(Boolean).join(" ")}
      aria-label={hotkey ? `${label} (${hotkey})` : label}
      onKeyDown={onKeyDown}
      onFocus={onFocus}
      onBlur={onBlur}
      onMouseEnter={() => setPaused((p) => ({ ...p, hover: true }))}
      onMouseLeave={() => setPaused((p) => ({ ...p, hover: false }))}
    >
      {state.toasts.length > 0 && (
        <ol className="kin-toasts__list">
          {state.toasts.map((t) => (
            <ToastItem
              key={t.id}
              toast={t}
              durationMs={typeof autoDismissMs === "function" ? autoDismissMs(t) : autoDismissMs}
              paused={isPaused}
              onExpire={dismiss}
              onClose={dismissByUser}
              buttonRef={(el) => {
                if (el) buttons.current.set(t.id, el);
                else buttons.current.delete(t.id);
              }}
            />
          ))}
        </ol>
      )}
      <div className="kin-sr-only" role="status" aria-live="polite" aria-atomic="true">
        {announcement.polite}
      </div>
      <div className="kin-sr-only" role="alert" aria-live="assertive" aria-atomic="true">
        {announcement.urgent}
      </div>
    </section>
  );
}

interface ToastItemProps {
  toast: Toast;
  durationMs: number;
  paused: boolean;
  onExpire: (id: string) => void;
  onClose: (id: string) => void;
  buttonRef: (el: HTMLButtonElement | null) => void;
}

function ToastItem({ toast, durationMs, paused, onExpire, onClose, buttonRef }: ToastItemProps) {
  const titleId = useId();
  useEffect(() => {
    if (paused || !(durationMs > 0) || !Number.isFinite(durationMs)) return;
    const timer = setTimeout(() => onExpire(toast.id), durationMs);
    return () => clearTimeout(timer);
  }, [paused, durationMs, toast.id, onExpire]);

  return (
    <li
      className={`kin-toast kin-toast--${toast.level}`}
      data-toast-id={toast.id}
      data-event={toast.event}
      aria-labelledby={titleId}
    >
      <div className="kin-toast__body">
        <p className="kin-toast__title" id={titleId}>
          {toast.title}
        </p>
        {toast.message && <p className="kin-toast__message">{toast.message}</p>}
        {toast.link && (
          <a className="kin-toast__link" href={toast.link}>
            Open
          </a>
        )}
      </div>
      <button
        ref={buttonRef}
        type="button"
        className="kin-toast__close"
        aria-label={`Dismiss notification: ${toast.title}`}
        title="Dismiss (Esc)"
        onClick={() => onClose(toast.id)}
      >
        <span aria-hidden="true">×</span>
      </button>
    </li>
  );
}
