// An in-memory stand-in for socket.io-client's Socket: the transport only.
// It has the surface SocketLike names, plus controls that play the server.

import type { EventName, EventPayload } from "../generated/events";
import type { AnyListener, CreateSocket, SocketLike, SocketOptions } from "../lib/socket";

class Emitter {
  private readonly listeners = new Map<string, AnyListener[]>();

  on(event: string, fn: AnyListener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return this;
  }

  off(event: string, fn: AnyListener): this {
    const list = this.listeners.get(event) ?? [];
    const i = list.indexOf(fn);
    if (i >= 0) this.listeners.set(event, [...list.slice(0, i), ...list.slice(i + 1)]);
    return this;
  }

  fire(event: string, ...args: unknown[]): void {
    for (const fn of this.listeners.get(event) ?? []) fn(...args);
  }

  count(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

export class FakeSocket extends Emitter implements SocketLike {
  connected = false;
  recovered = false;
  active = false;
  readonly io = new Emitter();
  /** What the client emitted to the server. */
  readonly sent: { event: string; args: unknown[] }[] = [];
  /** The auth payload of each connection attempt, in order. */
  readonly auths: { token?: string }[] = [];
  connectCalls = 0;
  disconnectCalls = 0;
  private offset = 0;

  constructor(
    readonly url: string | undefined,
    readonly opts: SocketOptions,
  ) {
    super();
  }

  emit(event: string, ...args: unknown[]): this {
    this.sent.push({ event, args });
    return this;
  }

  connect(): this {
    this.connectCalls++;
    this.active = true;
    this.opts.auth((data) => this.auths.push(data));
    return this;
  }

  disconnect(): this {
    this.disconnectCalls++;
    const was = this.connected;
    this.active = false;
    this.connected = false;
    if (was) this.fire("disconnect", "io client disconnect");
    return this;
  }

  // ---- the server's side ----

  /** The connection succeeds; recovered: the server restored the session. */
  serverConnect({ recovered = false } = {}): void {
    this.connected = true;
    this.active = true;
    this.recovered = recovered;
    this.fire("connect");
  }

  /** The server sends an event; like a server with connection state recovery, it appends an offset. */
  serverEmit<N extends EventName>(event: N, payload: EventPayload<N>): void {
    this.fire(event, payload, `offset-${++this.offset}`);
  }

  /** The connection drops (reason "transport close": the client will retry), or the server closes it ("io server disconnect"). */
  serverDisconnect(reason: "transport close" | "io server disconnect" | "ping timeout" = "transport close"): void {
    this.connected = false;
    this.active = reason !== "io server disconnect";
    this.fire("disconnect", reason);
  }

  /** A connection attempt fails; the middleware's refusal ("unauthorized") ends the retries. */
  connectError(message: string, { retrying = false } = {}): void {
    this.connected = false;
    this.active = retrying;
    this.fire("connect_error", new Error(message));
  }

  /** The Manager starts a new attempt. */
  reconnectAttempt(n = 1): void {
    this.io.fire("reconnect_attempt", n);
  }

  /** How many listeners the client has on event. */
  listenerCount(event: string): number {
    return this.count(event);
  }
}

/** A CreateSocket that records the sockets it makes. */
export function fakeSockets(): { create: CreateSocket; sockets: FakeSocket[]; last: () => FakeSocket } {
  const sockets: FakeSocket[] = [];
  const create: CreateSocket = (url, opts) => {
    const s = new FakeSocket(url, opts);
    sockets.push(s);
    return s;
  };
  return {
    create,
    sockets,
    last: () => {
      const s = sockets[sockets.length - 1];
      if (!s) throw new Error("no socket was created");
      return s;
    },
  };
}
