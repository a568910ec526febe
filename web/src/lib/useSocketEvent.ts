import { useEffect, useRef } from "react";
import type { EventName } from "../generated/events.js";
import type { EventHandler } from "./registry.js";
import { useSocket } from "./SocketProvider.js";

/**
 * Calls handler with each event called event while the component is mounted.
 * The handler may change on every render; the subscription does not.
 */
export function useSocketEvent<N extends EventName>(event: N, handler: EventHandler<N>): void;
export function useSocketEvent(events: readonly EventName[], handler: (event: EventName, payload: unknown) => void): void;
export function useSocketEvent(
  events: EventName | readonly EventName[],
  handler: ((payload: never) => void) | ((event: EventName, payload: unknown) => void),
): void {
  const { on, off } = useSocket();
  const latest = useRef(handler);
  latest.current = handler;
  const single = typeof events === "string";
  const key = single ? events : events.join(",");
  useEffect(() => {
    const names = (key === "" ? [] : key.split(",")) as EventName[];
    const subs = names.map((name) => {
      const h = (payload: unknown) => {
        const fn = latest.current;
        if (single) (fn as (p: unknown) => void)(payload);
        else (fn as (e: EventName, p: unknown) => void)(name, payload);
      };
      on(name, h);
      return () => off(name, h);
    });
    return () => subs.forEach((unsub) => unsub());
  }, [key, single, on, off]);
}
