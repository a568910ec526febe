// @kin-comms/kinrt-web/server: broadcasting events to kinrt from Next.js
// route handlers and server actions, and the session token of a request.
// No React, no "use client": server code only.

import { eventBroadcasters, type BroadcastEvent, type EventBroadcasters } from "../generated/broadcast.js";
import { sendEvent, type BroadcastOptions, type KinrtServerConfig } from "./broadcast.js";

export {
  broadcast,
  KinrtError,
  isKinrtError,
  DEFAULT_TIMEOUT_MS,
} from "./broadcast.js";
export type { KinrtErrorKind, KinrtServerConfig, BroadcastOptions } from "./broadcast.js";
export * from "../generated/broadcast.js";
export { getSessionToken, parseCookieHeader, SESSION_COOKIE_NAMES } from "./session.js";
export type { SessionTokenSource } from "./session.js";
export { EVENT_NAMES } from "../generated/events.js";
export type * from "../generated/events.js";

/** A configured client of the internal API: broadcast() plus one function per event. */
export interface KinrtServer extends EventBroadcasters {
  /** Broadcasts an event, typed by its name; resolves to the event's id. */
  broadcast(event: BroadcastEvent, options?: BroadcastOptions): Promise<string>;
}

/**
 * Returns a client of kinrt's internal API with this configuration; what it
 * leaves out (url, apiKey) is read from the environment at each call, as
 * the top-level functions do.
 */
export function createKinrtServer(config: KinrtServerConfig = {}): KinrtServer {
  const cfg = { ...config };
  const send = (event: BroadcastEvent, options?: BroadcastOptions) => sendEvent(cfg, event, options);
  return { broadcast: send, ...eventBroadcasters(send) };
}
