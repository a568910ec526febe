import { describe, expect, it } from "vitest";
import { installFetch } from "../test/fakeFetch";
import { ApiError, createApi, isApiError } from "./api";

describe("api", () => {
  it("sends credentials and JSON, and returns the parsed answer", async () => {
    const calls = installFetch({
      "PUT /api/presence/me": (req) => ({ body: { ok: true, got: req.body } }),
    });
    const api = createApi();
    await expect(api("/api/presence/me", { method: "PUT", body: { status: "away" } })).resolves.toEqual({
      ok: true,
      got: { status: "away" },
    });
    const [call] = calls;
    expect(call?.init.credentials).toBe("include");
    expect((call?.init.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
  });

  it("builds the query, leaving out empty values", async () => {
    const calls = installFetch({ "GET /api/activity": () => ({ body: { items: [], nextCursor: null } }) });
    await createApi()("/api/activity", { query: { since: "2025-01-01T00:00:00Z", limit: 5, cursor: undefined } });
    expect(calls[0]?.query.get("since")).toBe("2025-01-01T00:00:00Z");
    expect(calls[0]?.query.get("limit")).toBe("5");
    expect(calls[0]?.query.has("cursor")).toBe(false);
  });

  it("throws the server's error message with the status", async () => {
    installFetch({ "PUT /api/presence/me": () => ({ status: 400, body: { error: 'status: must be "online", "away" or "busy"' } }) });
    const err = await createApi()("/api/presence/me", { method: "PUT", body: { status: "x" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).message).toBe('status: must be "online", "away" or "busy"');
  });

  it("reports a 404 that isApiError can recognise", async () => {
    installFetch({});
    const err = await createApi()("/api/activity").catch((e: unknown) => e);
    expect(isApiError(err, 404)).toBe(true);
    expect(isApiError(err, 401)).toBe(false);
  });

  it("prefixes a base URL", async () => {
    const calls = installFetch({ "GET /api/presence": () => ({ body: { items: [] } }) });
    await createApi("http://localhost/")("/api/presence");
    expect(calls[0]?.path).toBe("/api/presence");
  });
});
