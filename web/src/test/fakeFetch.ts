// A stand-in for the network under fetch(): answers by "METHOD /path".

import { vi } from "vitest";

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  init: RequestInit;
}

export type Route = (req: Recorded) => { status?: number; body?: unknown } | Promise<{ status?: number; body?: unknown }>;

/** Installs a fake fetch; routes are keyed "GET /api/presence". Unknown routes answer 404 {"error":"not found"}. */
export function installFetch(routes: Record<string, Route>): Recorded[] {
  const calls: Recorded[] = [];
  const fake = async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(typeof input === "string" ? input : input.toString(), "http://localhost");
    const method = (init.method ?? "GET").toUpperCase();
    const req: Recorded = {
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
    const text = res.body === undefined ? "" : JSON.stringify(res.body);
    return new Response(status === 204 ? null : text, {
      status,
      headers: { "Content-Type": "application/json" },
    });
  };
  vi.stubGlobal("fetch", vi.fn(fake));
  return calls;
}
