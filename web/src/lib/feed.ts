import { EVENT_NAMES, type EventName, type EventPayload } from "../generated/events.js";

/** One entry of the activity feed: an event, as GET /api/activity lists it. */
export type ActivityItem = {
  [N in EventName]: { id: string; type: N; payload: EventPayload<N>; occurredAt: string };
}[EventName];

const KNOWN = new Set<string>(EVENT_NAMES);

/** The feed entry for a live event. */
export function activityFromEvent<N extends EventName>(type: N, payload: EventPayload<N>): ActivityItem {
  return { id: payload.id, type, payload, occurredAt: payload.occurredAt } as ActivityItem;
}

/**
 * Checks one item of GET /api/activity: items of event types this client
 * does not know (a newer server) and malformed ones are left out.
 */
export function parseActivityItem(raw: unknown): ActivityItem | null {
  if (raw === null || typeof raw !== "object") return null;
  const r = raw as Record<string, unknown>;
  if (typeof r.id !== "string" || typeof r.type !== "string" || !KNOWN.has(r.type)) return null;
  if (r.payload === null || typeof r.payload !== "object") return null;
  const payload = r.payload as Record<string, unknown>;
  const occurredAt =
    typeof r.occurredAt === "string" ? r.occurredAt : typeof payload.occurredAt === "string" ? payload.occurredAt : "";
  return {
    id: r.id,
    type: r.type as EventName,
    payload: { ...payload, id: typeof payload.id === "string" ? payload.id : r.id, occurredAt } as never,
    occurredAt,
  } as ActivityItem;
}

function time(item: ActivityItem): number {
  const t = Date.parse(item.occurredAt);
  return Number.isNaN(t) ? -Infinity : t;
}

/**
 * Merges incoming items into a feed: one entry per id (the first kept),
 * newest first (items of the same instant keep their order), at most max.
 * Returns current itself when nothing changes.
 */
export function mergeActivity(current: readonly ActivityItem[], incoming: readonly ActivityItem[], max: number): ActivityItem[] {
  const limit = Math.max(0, Math.floor(max));
  const ids = new Set(current.map((i) => i.id));
  const added: ActivityItem[] = [];
  for (const item of incoming) {
    if (ids.has(item.id)) continue;
    ids.add(item.id);
    added.push(item);
  }
  if (added.length === 0 && current.length <= limit) return current as ActivityItem[];
  // Newest first; new items go before existing ones of the same instant.
  const merged = [...added, ...current];
  merged.sort((a, b) => time(b) - time(a));
  const next = merged.slice(0, limit);
  if (next.length === current.length && next.every((item, i) => item === current[i])) return current as ActivityItem[];
  return next;
}

/** The occurredAt of the newest item, for `GET /api/activity?since=`. */
export function newestTime(items: readonly ActivityItem[]): string | undefined {
  let best: ActivityItem | undefined;
  for (const item of items) if (!best || time(item) > time(best)) best = item;
  return best && Number.isFinite(time(best)) ? best.occurredAt : undefined;
}
