import { EVENT_NAMES, type EventName } from "../generated/events";
import { rememberId } from "../lib/dedupe";

export interface CounterState {
  counts: Record<EventName, number>;
  seen: string[];
}

export const SEEN_LIMIT = 2000;

export function initialCounters(): CounterState {
  const counts = {} as Record<EventName, number>;
  for (const n of EVENT_NAMES) counts[n] = 0;
  return { counts, seen: [] };
}

/** Counts one event, once per id. */
export function countEvent(state: CounterState, event: EventName, id: string): CounterState {
  if (state.seen.includes(id)) return state;
  return {
    counts: { ...state.counts, [event]: (state.counts[event] ?? 0) + 1 },
    seen: rememberId(state.seen, id, SEEN_LIMIT),
  };
}
