import { useEffect, useRef, useState } from "react";
import { EVENT_NAMES, type EventName, type EventPayload } from "../generated/events.js";
import { isApiError, type Page } from "./api.js";
import { activityFromEvent, mergeActivity, newestTime, parseActivityItem, type ActivityItem } from "./feed.js";
import { useSocket } from "./SocketProvider.js";
import { useSocketEvent } from "./useSocketEvent.js";

/** The events the activity feed shows by default: all but presence changes, which the team list shows. */
export const FEED_EVENTS: readonly EventName[] = EVENT_NAMES.filter((n) => n !== "user_presence_updated");

export interface ActivityFeedOptions {
  /** Keep at most this many entries. Default 50. */
  max?: number;
  /** The events shown. Default FEED_EVENTS. */
  events?: readonly EventName[];
}

/** Where the history stands: "unavailable" when the server has no /api/activity (404). */
export type HistoryStatus = "loading" | "ready" | "unavailable" | "error";

export interface ActivityFeedState {
  /** Newest first. */
  items: ActivityItem[];
  history: HistoryStatus;
  /** The history request's error message, when history is "error". */
  error: string | null;
}

/**
 * The activity feed's state: history from GET /api/activity, then live
 * events. It asks for history again (since its newest entry) on the first
 * connection and after every reconnection that was not recovered, so
 * nothing missed while disconnected stays missing; entries are unique by
 * id, so nothing shows twice either.
 */
export function useActivityFeed({ max = 50, events = FEED_EVENTS }: ActivityFeedOptions = {}): ActivityFeedState {
  const { api, connects, recovered } = useSocket();
  const [items, setItems] = useState<ActivityItem[]>([]);
  const [history, setHistory] = useState<HistoryStatus>("loading");
  const [error, setError] = useState<string | null>(null);
  const itemsRef = useRef(items);
  itemsRef.current = items;
  const wanted = useRef(new Set(events));
  wanted.current = new Set(events);

  useSocketEvent(events, (event, payload) => {
    const item = activityFromEvent(event, payload as EventPayload<typeof event>);
    setItems((cur) => mergeActivity(cur, [item], max));
  });

  // Trim when max shrinks.
  useEffect(() => setItems((cur) => mergeActivity(cur, [], max)), [max]);

  // History: at mount (connects 0), on the first connection, and after each
  // reconnection that did not recover the session.
  const needHistory = connects <= 1 || !recovered;
  useEffect(() => {
    if (!needHistory) return;
    const ctrl = new AbortController();
    const since = newestTime(itemsRef.current);
    api<Page<unknown>>("/api/activity", { query: { since, limit: max }, signal: ctrl.signal }).then(
      (page) => {
        const got = (Array.isArray(page?.items) ? page.items : [])
          .map(parseActivityItem)
          .filter((i): i is ActivityItem => i !== null && wanted.current.has(i.type));
        setItems((cur) => mergeActivity(cur, got, max));
        setHistory("ready");
        setError(null);
      },
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        if (isApiError(err, 404)) {
          setHistory("unavailable");
          setError(null);
        } else {
          setHistory((h) => (h === "ready" ? h : "error"));
          setError(err instanceof Error ? err.message : String(err));
        }
      },
    );
    return () => ctrl.abort();
  }, [connects, needHistory, api, max]);

  return { items, history, error };
}
