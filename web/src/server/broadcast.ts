// Broadcasting from the Next.js side: POST /api/internal/events with the
// internal key. No React, no DOM: Node >= 20, Next.js route handlers,
// server actions, edge functions.

import type { BroadcastEvent } from "../generated/broadcast.js";

/** What went wrong with a broadcast (see KinrtError). */
export type KinrtErrorKind =
  /** 401: the key is not the service's KIN_INTERNAL_API_KEY. */
  | "unauthorized"
  /** 400 (or 413): the event was refused; the message is the server's, naming the field. */
  | "invalid"
  /** 404: the service runs without KIN_INTERNAL_API_KEY, so its internal API is off. */
  | "disabled"
  /** Any other HTTP answer that is not a success (5xx, a 404 from something that is not kinrt, …). */
  | "http"
  /** No answer: the service is down, unreachable, or the URL is wrong. */
  | "network"
  /** No answer within timeoutMs. */
  | "timeout"
  /** No URL or no key configured (KINRT_URL, KIN_INTERNAL_API_KEY). */
  | "config";

/** A failed broadcast: what kind of failure, the HTTP status if there was an answer, the server's message. */
export class KinrtError extends Error {
  readonly kind: KinrtErrorKind;
  /** The HTTP status of the answer; undefined for network, timeout and config errors. */
  readonly status: number | undefined;
  constructor(kind: KinrtErrorKind, message: string, status?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KinrtError";
    this.kind = kind;
    this.status = status;
  }
}

/** Reports whether err is a KinrtError (of the given kind). */
export function isKinrtError(err: unknown, kind?: KinrtErrorKind): err is KinrtError {
  return err instanceof KinrtError && (kind === undefined || err.kind === kind);
}

/** How to reach the service. Anything left out is read from the environment at each call. */
export interface KinrtServerConfig {
  /** The service's base URL. Default: env KINRT_URL, else NEXT_PUBLIC_SOCKET_IO_URL. */
  url?: string;
  /** The internal API key. Default: env KIN_INTERNAL_API_KEY. */
  apiKey?: string;
  /** Gives up after this many milliseconds (KinrtError "timeout"). Default 5000. */
  timeoutMs?: number;
  /** The fetch to use. Default: the global fetch at the time of the call. */
  fetch?: typeof fetch;
}

/** Per-call options of a broadcast. */
export interface BroadcastOptions {
  /**
   * Delivers the event to this room only: one of the rooms its routing
   * policy gives from its data (a record's `department-{d}`, `role-admin`, its
   * assignee's `user-{id}`; a notification's target). kinrt refuses any
   * other room (KinrtError "invalid"): narrowing never widens the audience.
   */
  room?: string;
  /** Aborts the call; it then rejects with the signal's reason, not a KinrtError. */
  signal?: AbortSignal;
  /** Overrides the configured timeout for this call. */
  timeoutMs?: number;
}

/** The default timeout of a broadcast, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 5000;

// The environment as Node and Next.js have it; module-scoped, so that this
// package needs no Node typings. Read at call time, never cached.
declare const process: { env: Record<string, string | undefined> } | undefined;

function env(name: string): string | undefined {
  try {
    const v = typeof process === "undefined" ? undefined : process.env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  } catch {
    return undefined;
  }
}

/** Sends event with config (the rest from the environment); resolves to the event's id. */
export async function sendEvent(config: KinrtServerConfig, event: BroadcastEvent, options: BroadcastOptions = {}): Promise<string> {
  const url = config.url ?? env("KINRT_URL") ?? env("NEXT_PUBLIC_SOCKET_IO_URL");
  const apiKey = config.apiKey ?? env("KIN_INTERNAL_API_KEY");
  if (!url) throw new KinrtError("config", "no service URL: set KINRT_URL (or NEXT_PUBLIC_SOCKET_IO_URL), or pass url");
  if (!apiKey) throw new KinrtError("config", "no internal API key: set KIN_INTERNAL_API_KEY, or pass apiKey");
  let endpoint: string;
  try {
    endpoint = new URL("api/internal/events", url.replace(/\/*$/, "/")).toString();
  } catch {
    throw new KinrtError("config", `the service URL ${JSON.stringify(url)} is not a URL`);
  }
  const doFetch = config.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? anySignal([timeout, options.signal]) : timeout;
  const what = `broadcast ${event.type}`;

  let status = 0;
  let text: string;
  let statusText = "";
  try {
    const res = await doFetch(endpoint, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${apiKey}`,
        "Content-Type": "application/json",
        Accept: "application/json",
      },
      body: JSON.stringify(
        options.room === undefined ? { type: event.type, data: event.data } : { type: event.type, data: event.data, room: options.room },
      ),
      signal,
    });
    status = res.status;
    statusText = res.statusText;
    text = await res.text();
  } catch (err) {
    if (options.signal?.aborted) throw options.signal.reason;
    if (timeout.aborted) {
      throw new KinrtError("timeout", `${what}: no answer from ${endpoint} within ${timeoutMs} ms`, undefined, { cause: err });
    }
    if (status !== 0) {
      throw new KinrtError("network", `${what}: the answer of ${endpoint} was cut off`, status, { cause: err });
    }
    throw new KinrtError("network", `${what}: cannot reach ${endpoint}: ${describeCause(err)}`, undefined, { cause: err });
  }

  let body: unknown;
  try {
    body = text === "" ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  const serverMessage =
    body !== null && typeof body === "object" && typeof (body as { error?: unknown }).error === "string"
      ? (body as { error: string }).error
      : undefined;

  if (status >= 200 && status < 300) {
    const id = body !== null && typeof body === "object" ? (body as { id?: unknown }).id : undefined;
    if (typeof id !== "string" || id === "") {
      throw new KinrtError("http", `${what}: ${endpoint} answered ${status} without an event id (is the URL the kinrt service?)`, status);
    }
    return id;
  }
  if (status === 401) {
    throw new KinrtError("unauthorized", `${what}: ${serverMessage ?? "unauthorized"} (the key is not the service's KIN_INTERNAL_API_KEY)`, status);
  }
  if ((status === 400 || status === 413) && serverMessage !== undefined) {
    throw new KinrtError("invalid", `${what}: ${serverMessage}`, status);
  }
  if (status === 404 && serverMessage !== undefined && serverMessage.includes("internal API is disabled")) {
    throw new KinrtError("disabled", `${what}: ${serverMessage}`, status);
  }
  const detail = serverMessage ?? `${status} ${statusText || "request failed"}`.trim();
  throw new KinrtError("http", `${what}: ${endpoint} answered ${status}: ${detail}`, status);
}

/** AbortSignal.any, or its equivalent where it is missing (Node < 20.3). */
function anySignal(signals: AbortSignal[]): AbortSignal {
  if (typeof AbortSignal.any === "function") return AbortSignal.any(signals);
  const c = new AbortController();
  for (const s of signals) {
    if (s.aborted) {
      c.abort(s.reason);
      break;
    }
    s.addEventListener("abort", () => c.abort(s.reason), { once: true });
  }
  return c.signal;
}

function describeCause(err: unknown): string {
  // Node's fetch fails with TypeError("fetch failed") and the reason (such
  // as ECONNREFUSED) in its cause.
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === "string") return cause.code;
  if (cause && typeof cause.message === "string") return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * Broadcasts an event, typed by its name, through the service configured in
 * the environment (KINRT_URL, else NEXT_PUBLIC_SOCKET_IO_URL, and
 * KIN_INTERNAL_API_KEY, read at each call). Resolves to the event's id;
 * rejects with a KinrtError.
 */
export function broadcast(event: BroadcastEvent, options?: BroadcastOptions): Promise<string> {
  return sendEvent({}, event, options);
}
