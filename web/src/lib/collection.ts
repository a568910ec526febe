import { rememberId } from "./dedupe.js";

/**
 * A collection of records keyed by id, fed by REST pages and live events.
 *
 * Each live write (an event, or a server's answer to an action) bumps seq and
 * stamps the record with it; a removal leaves a stamp without a record (a
 * tombstone). A REST answer requested at seq s never overwrites or
 * resurrects a record stamped after s: the answer is older than that write.
 * Events are dropped when their id was seen (the server may deliver one
 * twice, e.g. across a reconnection).
 */
export interface Collection<T> {
  byId: Readonly<Record<string, T>>;
  /** The seq of the last live write of each id (also for removed ids). */
  stamps: Readonly<Record<string, number>>;
  /** Counts live writes. */
  seq: number;
  /** Recent event ids, most recent last. */
  seen: readonly string[];
  /** Whether a first page has been applied. */
  loaded: boolean;
  /** The cursor of the next page, null at the end. */
  nextCursor: string | null;
}

/** How many event ids a collection remembers. */
export const SEEN_LIMIT = 500;

export function emptyCollection<T>(): Collection<T> {
  return { byId: {}, stamps: {}, seq: 0, seen: [], loaded: false, nextCursor: null };
}

const newerThan = <T>(c: Collection<T>, id: string, requestedAt: number) => (c.stamps[id] ?? -1) > requestedAt;

/**
 * Applies a first page (a full refetch): it replaces the records, except
 * those written live after the request was made.
 */
export function applySnapshot<T>(
  c: Collection<T>,
  items: readonly T[],
  key: (t: T) => string,
  nextCursor: string | null,
  requestedAt: number,
): Collection<T> {
  const byId: Record<string, T> = {};
  for (const item of items) {
    const id = key(item);
    if (!newerThan(c, id, requestedAt)) byId[id] = item;
  }
  for (const [id, stamp] of Object.entries(c.stamps)) {
    if (stamp > requestedAt) {
      const cur = c.byId[id];
      if (cur !== undefined) byId[id] = cur;
      else delete byId[id];
    }
  }
  return { ...c, byId, loaded: true, nextCursor };
}

/** Applies a further page (loadMore): merged into the records, under the same rule. */
export function applyPage<T>(
  c: Collection<T>,
  items: readonly T[],
  key: (t: T) => string,
  nextCursor: string | null,
  requestedAt: number,
): Collection<T> {
  const byId: Record<string, T> = { ...c.byId };
  for (const item of items) {
    const id = key(item);
    if (!newerThan(c, id, requestedAt)) byId[id] = item;
  }
  return { ...c, byId, nextCursor };
}

/**
 * Applies a live change to the record id: patch gets the current record (or
 * undefined) and returns the new one, null to remove it, or undefined to
 * leave it. eventId (if any) is remembered; an event seen before is ignored.
 */
export function applyLive<T>(
  c: Collection<T>,
  eventId: string | null,
  id: string,
  patch: (cur: T | undefined) => T | null | undefined,
): Collection<T> {
  if (eventId !== null && c.seen.includes(eventId)) return c;
  const seen = eventId !== null ? rememberId(c.seen, eventId, SEEN_LIMIT) : c.seen;
  const next = patch(c.byId[id]);
  if (next === undefined) return seen === c.seen ? c : { ...c, seen };
  const seq = c.seq + 1;
  const byId = { ...c.byId };
  if (next === null) delete byId[id];
  else byId[id] = next;
  return { ...c, byId, seen, seq, stamps: { ...c.stamps, [id]: seq } };
}

/** The server's confirmed record (an action's answer): a live write. */
export function applyConfirmed<T>(c: Collection<T>, item: T, key: (t: T) => string): Collection<T> {
  return applyLive(c, null, key(item), () => item);
}

/** The records, sorted by cmp. */
export function collectionItems<T>(c: Collection<T>, cmp: (a: T, b: T) => number): T[] {
  return Object.values(c.byId).sort(cmp);
}

/**
 * Whether a list must be (re)loaded: at mount (connects 0), on the first
 * connection, and after every reconnection that did not recover the session
 * (events may have been missed).
 */
export function needsRefetch(connects: number, recovered: boolean): boolean {
  return connects <= 1 || !recovered;
}

/**
 * Orders ISO times: negative when a is before b. Times are compared as
 * instants (the API and the events give different fractional digits), an
 * unparsable or missing time counting as the oldest.
 */
export function compareTimes(a: string | null | undefined, b: string | null | undefined): number {
  const ta = a ? Date.parse(a) : NaN;
  const tb = b ? Date.parse(b) : NaN;
  const na = Number.isNaN(ta) ? -Infinity : ta;
  const nb = Number.isNaN(tb) ? -Infinity : tb;
  if (na !== nb) return na < nb ? -1 : 1;
  // Same millisecond: finer digits, compared as numbers of equal length.
  const fa = fraction(a);
  const fb = fraction(b);
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

function fraction(t: string | null | undefined): string {
  const m = t ? /\.(\d+)/.exec(t) : null;
  return (m?.[1] ?? "").padEnd(9, "0");
}

/** Compares times newest first, then by id for a stable order. */
export function newestFirst(aTime: string | null | undefined, bTime: string | null | undefined, aId: string, bId: string): number {
  const c = compareTimes(bTime, aTime);
  if (c !== 0) return c;
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

/** Reads a JSON value as a string, else def. */
export const str = (v: unknown, def = ""): string => (typeof v === "string" ? v : def);
/** Reads a JSON value as a non-empty string, else null. */
export const strOrNull = (v: unknown): string | null => (typeof v === "string" && v !== "" ? v : null);
/** Reads a JSON value as a finite number, else def. */
export const num = (v: unknown, def = 0): number => (typeof v === "number" && Number.isFinite(v) ? v : def);
/** A JSON object, or null. */
export const obj = (v: unknown): Record<string, unknown> | null =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

/** Parses a Page<unknown> answer's items with parse, dropping the malformed. */
export function parseItems<T>(page: unknown, parse: (raw: unknown) => T | null): { items: T[]; nextCursor: string | null } {
  const p = obj(page);
  const raw = p && Array.isArray(p.items) ? (p.items as unknown[]) : [];
  return {
    items: raw.map(parse).filter((x): x is T => x !== null),
    nextCursor: p ? strOrNull(p.nextCursor) : null,
  };
}

/** An error's message. */
export const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));
