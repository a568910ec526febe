import { io } from "socket.io-client";

/** A listener as socket.io-client calls it. */
export type AnyListener = (...args: any[]) => void;

/**
 * The part of socket.io-client's Socket this package uses. The real Socket
 * has it; tests pass an in-memory double.
 */
export interface SocketLike {
  readonly connected: boolean;
  /** Whether the last connection recovered the previous session (connection state recovery). */
  readonly recovered: boolean;
  /** Whether the socket will keep trying to (re)connect. */
  readonly active: boolean;
  on(event: string, listener: AnyListener): unknown;
  off(event: string, listener: AnyListener): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  connect(): unknown;
  disconnect(): unknown;
  /** The Manager: its reconnect_attempt event marks a new attempt. */
  readonly io: {
    on(event: "reconnect_attempt", listener: AnyListener): unknown;
    off(event: "reconnect_attempt", listener: AnyListener): unknown;
  };
}

/** What the provider asks of a new socket. */
export interface SocketOptions {
  path: string;
  withCredentials: true;
  autoConnect: false;
  forceNew: true;
  /** Called by socket.io-client before every (re)connection: sends a fresh token. */
  auth: (cb: (data: { token?: string }) => void) => void;
}

/** Makes a socket for url (undefined: the page's own origin). */
export type CreateSocket = (url: string | undefined, opts: SocketOptions) => SocketLike;

/** The real thing: a socket.io-client Socket. */
export const createSocketIO: CreateSocket = (url, opts) =>
  (url === undefined ? io(opts) : io(url, opts)) as unknown as SocketLike;
