/**
 * Remembers the last `limit` ids seen, forgetting the oldest first: the
 * memory behind "deduplicated by event id" for streams that never end.
 */
export class RecentIds {
  private readonly ids = new Set<string>();
  readonly limit: number;

  constructor(limit = 1000) {
    if (!(limit >= 1)) throw new RangeError("RecentIds: limit must be at least 1");
    this.limit = Math.floor(limit);
  }

  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Records id; reports false when it had been seen already. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.limit) {
      // Sets iterate in insertion order: the first is the oldest.
      const oldest = this.ids.values().next().value;
      if (oldest !== undefined) this.ids.delete(oldest);
    }
    return true;
  }

  get size(): number {
    return this.ids.size;
  }
}

/**
 * Appends id to a copy of a most-recent-last list of seen ids, keeping at most
 * limit of them: the immutable counterpart of RecentIds, for reducers.
 */
export function rememberId(seen: readonly string[], id: string, limit: number): string[] {
  const next = seen.length >= limit ? seen.slice(seen.length - limit + 1) : seen.slice();
  next.push(id);
  return next;
}
