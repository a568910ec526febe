// A stand-in for the network under fetch(): answers by "METHOD /path".

import { vi } from "vitest";

export interface Recorded {
  /** The URL as fetch got it (relative URLs resolved against http://localhost). */
  url: string;
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  init: RequestInit;
}

export type Route = (req: Recorded) => Answer | Promise<Answer>;

/** A route's answer: JSON body, or raw bytes (media). */
export interface Answer {
  status?: number;
  body?: unknown;
  raw?: Uint8Array<ArrayBuffer>;
  contentType?: string;
}

/** Installs a fake fetch; routes are keyed "GET /api/presence". Unknown routes answer 404 {"error":"not found"}. */
export function installFetch(routes: Record<string, Route>): Recorded[] {
  const calls: Recorded[] = [];
  const fake = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(typeof input === "string" ? input : input.toString(), "http://localhost");
    const method = (init.method ?? "GET").toUpperCase();
    const req: Recorded = {
      url: url.toString(),
      method,
      path: url.pathname,
      query: url.searchParams,
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
      init,
    };
    calls.push(req);
    if (init.signal?.aborted) throw new DOMException("aborted", "AbortError");
    const route = routes[`${method} ${url.pathname}`];
    const res = route ? await route(req) : { status: 404, body: { error: "not found" } };
    const status = res.status ?? 200;
    const text = res.raw ?? (res.body === undefined ? "" : JSON.stringify(res.body));
    return new Response(status === 204 ? null : text, {
      status,
      headers: { "Content-Type": res.contentType ?? "application/json" },
    });
  };
  vi.stubGlobal("fetch", vi.fn(fake));
  return calls;
}
