import type { EventName, EventPayload } from "../generated/events.js";
import type { AnyListener, SocketLike } from "./socket.js";

/** A handler of event N: it takes the payload, and only the payload. */
export type EventHandler<N extends EventName> = (payload: EventPayload<N>) => void;

/**
 * The handlers registered through useSocket().on, by event. It keeps one
 * socket listener per event that has handlers, and that listener calls each
 * handler with the payload alone: with connection state recovery on, the
 * server appends the event's offset as a trailing argument, which handlers
 * never see. Handlers outlive sockets: attach() re-registers them on a new
 * one.
 */
export class HandlerRegistry {
  private readonly handlers = new Map<EventName, Set<EventHandler<any>>>();
  private readonly listeners = new Map<EventName, AnyListener>();
  private socket: SocketLike | null = null;

  on<N extends EventName>(event: N, handler: EventHandler<N>): void {
    let set = this.handlers.get(event);
    if (!set) {
      set = new Set();
      this.handlers.set(event, set);
    }
    const first = set.size === 0;
    set.add(handler);
    if (first && this.socket) this.socket.on(event, this.listener(event));
  }

  off<N extends EventName>(event: N, handler: EventHandler<N>): void {
    const set = this.handlers.get(event);
    if (!set || !set.delete(handler)) return;
    if (set.size === 0) {
      this.handlers.delete(event);
      const l = this.listeners.get(event);
      if (l && this.socket) this.socket.off(event, l);
    }
  }

  /** Moves every registered handler to socket. */
  attach(socket: SocketLike): void {
    if (this.socket === socket) return;
    if (this.socket) this.detach(this.socket);
    this.socket = socket;
    for (const event of this.handlers.keys()) socket.on(event, this.listener(event));
  }

  /** Takes every handler off socket. */
  detach(socket: SocketLike): void {
    if (this.socket !== socket) return;
    for (const event of this.handlers.keys()) {
      const l = this.listeners.get(event);
      if (l) socket.off(event, l);
    }
    this.socket = null;
  }

  /** How many handlers event has. */
  count(event: EventName): number {
    return this.handlers.get(event)?.size ?? 0;
  }

  private listener(event: EventName): AnyListener {
    let l = this.listeners.get(event);
    if (!l) {
      l = (payload: unknown) => {
        const set = this.handlers.get(event);
        if (!set) return;
        for (const h of Array.from(set)) {
          try {
            h(payload as never);
          } catch (err) {
            // One failing handler must not starve the others.
            console.error(`kinrt: a ${event} handler threw`, err);
          }
        }
      };
      this.listeners.set(event, l);
    }
    return l;
  }
}
