import { useCallback, useEffect, useId, useReducer, useRef, useState, type KeyboardEvent, type FocusEvent } from "react";
import type { EventName, EventPayload } from "../generated/events.js";
import { notifyDesktop, playChime, alertSettings, SOUND_EVENTS } from "./alerts.js";
import type { NameOf } from "./labels.js";
import type { HrefFor } from "./links.js";
import { initialToasts, toastFromEvent, toastReducer, TOAST_EVENTS, type Toast } from "./toasts.js";
import { useSocketEvent } from "./useSocketEvent.js";

export interface RealtimeNotificationsProps {
  /** The events that raise a toast. Default: new voicemails, incoming calls, task offers, new messages, system notifications. */
  events?: readonly EventName[];
  /** How long a toast stays, in ms (or per toast); 0 or Infinity: until dismissed. Default 6000. Timers pause while the pointer or focus is on the toasts. */
  autoDismissMs?: number | ((toast: Toast) => number);
  /** At most this many toasts are shown (the newest); the others wait behind a "+N more" button. Default 3. */
  max?: number;
  /** On screens matching this media query (a phone) only the newest toast shows, as a compact bar. Default "(max-width: 640px)"; null: never. */
  compactMedia?: string | null;
  /** At most this many toasts are kept, shown or waiting; the oldest goes first. Default 50. */
  keep?: number;
  /** The href of an event's record: each toast links there (the dashboard's hash routes, a Next.js app's pages). */
  hrefFor?: HrefFor;
  /** A user's name by id, for events that name a user by id only. */
  nameOf?: NameOf;
  /** Plays the sound and shows the desktop notifications the user turned on (useAlertSettings). Default true. */
  alerts?: boolean;
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
  max = 3,
  compactMedia = "(max-width: 640px)",
  keep = 50,
  hrefFor,
  nameOf,
  alerts = true,
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

  const [expanded, setExpanded] = useState(false);
  const compact = useMedia(compactMedia);
  const seenForAlerts = useRef(new Set<string>());

  useSocketEvent(events, (event, payload) => {
    const toast = toastFromEvent(event, payload as EventPayload<typeof event>, { hrefFor, nameOf });
    dispatch({ type: "push", toast, max: Math.max(keep, max) });
    if (!alerts || seenForAlerts.current.has(toast.id)) return;
    seenForAlerts.current.add(toast.id);
    if (seenForAlerts.current.size > 500) seenForAlerts.current = new Set(Array.from(seenForAlerts.current).slice(-250));
    if (SOUND_EVENTS.includes(event) && alertSettings().sound) playChime();
    notifyDesktop({ id: toast.id, title: toast.title, body: toast.message, href: toast.link });
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
  const shown = expanded ? state.toasts : state.toasts.slice(0, compact ? 1 : Math.max(1, max));
  const waiting = state.toasts.slice(shown.length);
  const durationOf = (t: Toast) => (typeof autoDismissMs === "function" ? autoDismissMs(t) : autoDismissMs);
  const canCollapse = expanded && state.toasts.length > (compact ? 1 : max);
  useEffect(() => {
    if (expanded && state.toasts.length === 0) setExpanded(false);
  }, [expanded, state.toasts.length]);
  return (
    <section
      ref={region}
      className={["kin-toasts", compact && "kin-toasts--compact", expanded && "kin-toasts--expanded", className].filter(Boolean).join(" ")}
      aria-label={hotkey ? `${label} (${hotkey})` : label}
      onKeyDown={onKeyDown}
      onFocus={onFocus}
      onBlur={onBlur}
      onMouseEnter={() => setPaused((p) => ({ ...p, hover: true }))}
      onMouseLeave={() => setPaused((p) => ({ ...p, hover: false }))}
    >
      {shown.length > 0 && (
        <ol className="kin-toasts__list">
          {shown.map((t) => (
            <ToastItem
              key={t.id}
              toast={t}
              durationMs={durationOf(t)}
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
      {/* The waiting toasts expire as the shown ones do: an old one never resurfaces later. */}
      {waiting.map((t) => (
        <ToastTimer key={t.id} id={t.id} durationMs={durationOf(t)} paused={isPaused} onExpire={dismiss} />
      ))}
      {(waiting.length > 0 || canCollapse) && (
        <div className="kin-toasts__more">
          {waiting.length > 0 ? (
            <button type="button" className="kin-toasts__more-button" aria-expanded={false} onClick={() => setExpanded(true)}>
              +{waiting.length} more
            </button>
          ) : (
            <button type="button" className="kin-toasts__more-button" aria-expanded={true} onClick={() => setExpanded(false)}>
              Show fewer
            </button>
          )}
          <button type="button" className="kin-toasts__more-button" onClick={() => dispatch({ type: "clear" })}>
            Dismiss all
          </button>
        </div>
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

/** Dismisses toast id after durationMs, unless paused (then it starts over). */
function useExpiry(id: string, durationMs: number, paused: boolean, onExpire: (id: string) => void) {
  useEffect(() => {
    if (paused || !(durationMs > 0) || !Number.isFinite(durationMs)) return;
    const timer = setTimeout(() => onExpire(id), durationMs);
    return () => clearTimeout(timer);
  }, [paused, durationMs, id, onExpire]);
}

/** The timer of a toast waiting behind "+N more". */
function ToastTimer({ id, durationMs, paused, onExpire }: { id: string; durationMs: number; paused: boolean; onExpire: (id: string) => void }) {
  useExpiry(id, durationMs, paused, onExpire);
  return null;
}

/** Whether the media query matches (false without one, or without matchMedia). */
function useMedia(query: string | null): boolean {
  const get = () => (query && typeof globalThis.matchMedia === "function" ? globalThis.matchMedia(query).matches : false);
  const [matches, setMatches] = useState(get);
  useEffect(() => {
    if (!query || typeof globalThis.matchMedia !== "function") return;
    const m = globalThis.matchMedia(query);
    const on = () => setMatches(m.matches);
    on();
    m.addEventListener?.("change", on);
    return () => m.removeEventListener?.("change", on);
  }, [query]);
  return matches;
}

function ToastItem({ toast, durationMs, paused, onExpire, onClose, buttonRef }: ToastItemProps) {
  const titleId = useId();
  useExpiry(toast.id, durationMs, paused, onExpire);

  return (
    <li
      className={`kin-toast kin-toast--${toast.level}`}
      data-toast-id={toast.id}
      data-event={toast.event}
      aria-labelledby={titleId}
    >
      <div className="kin-toast__body">
        <p className="kin-toast__title" id={titleId}>
          {toast.link ? (
            <a className="kin-toast__link" href={toast.link} onClick={() => onExpire(toast.id)}>
              {toast.title}
            </a>
          ) : (
            toast.title
          )}
        </p>
        {toast.message && <p className="kin-toast__message">{toast.message}</p>}
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
