import { describe, expect, it } from "vitest";
import { installFetch } from "../test/fakeFetch";
import { ApiError, apiUrl, createApi, isApiError } from "./api";

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

describe("api with a token", () => {
  const auth = (c: { init: RequestInit } | undefined) => (c?.init.headers as Record<string, string> | undefined)?.Authorization;

  it("sends Authorization: Bearer and no cookie when there is a token", async () => {
    const calls = installFetch({ "GET /api/me": () => ({ body: { userId: "u1" } }) });
    await createApi("", { getToken: () => "tok-1" })("/api/me");
    expect(auth(calls[0])).toBe("Bearer tok-1");
    expect(calls[0]?.init.credentials).toBe("omit");
  });

  it("sends the cookie and no Authorization when getToken has none", async () => {
    const calls = installFetch({ "GET /api/me": () => ({ body: {} }) });
    for (const none of [null, undefined, ""]) {
      await createApi("", { getToken: async () => none })("/api/me");
    }
    expect(calls.map((c) => [auth(c), c.init.credentials])).toEqual([
      [undefined, "include"],
      [undefined, "include"],
      [undefined, "include"],
    ]);
  });

  it("asks for a fresh token after a 401 and tries once more with it", async () => {
    const calls = installFetch({
      "PATCH /api/voicemails/v1": (req) =>
        auth(req) === "Bearer fresh" ? { body: { id: "v1" } } : { status: 401, body: { error: "unauthorized" } },
    });
    const asked: boolean[] = [];
    const api = createApi("", { getToken: async (refresh) => (asked.push(refresh), refresh ? "fresh" : "stale") });
    await expect(api("/api/voicemails/v1", { method: "PATCH", body: { status: "listened" } })).resolves.toEqual({ id: "v1" });
    expect(asked).toEqual([false, true]);
    expect(calls.map(auth)).toEqual(["Bearer stale", "Bearer fresh"]);
    expect(calls[1]?.body).toEqual({ status: "listened" });
  });

  it("gives up after a 401 when the fresh token is the same", async () => {
    const calls = installFetch({ "GET /api/me": () => ({ status: 401, body: { error: "unauthorized" } }) });
    const err = await createApi("", { getToken: () => "same" })("/api/me").catch((e: unknown) => e);
    expect(isApiError(err, 401)).toBe(true);
    expect(calls).toHaveLength(1);
  });

  it("does not retry a 401 of the cookie path", async () => {
    const calls = installFetch({ "GET /api/me": () => ({ status: 401, body: { error: "unauthorized" } }) });
    const asked: boolean[] = [];
    const err = await createApi("", { getToken: (refresh) => (asked.push(refresh), null) })("/api/me").catch((e: unknown) => e);
    expect(isApiError(err, 401)).toBe(true);
    expect(asked).toEqual([false]);
    expect(calls).toHaveLength(1);
  });

  it("gives a Blob for responseType blob", async () => {
    installFetch({ "GET /api/voicemails/v1/media": () => ({ raw: new Uint8Array([1, 2, 3]), contentType: "audio/mpeg" }) });
    const blob = await createApi("http://rt.test", { getToken: () => "t" })<Blob>("/api/voicemails/v1/media", { responseType: "blob" });
    expect(blob.size).toBe(3);
    expect(blob.type).toBe("audio/mpeg");
  });
});

describe("apiUrl", () => {
  it("joins the base and the path, and keeps absolute URLs", () => {
    expect(apiUrl("", "/api/me")).toBe("/api/me");
    expect(apiUrl("https://rt.example/", "/api/me")).toBe("https://rt.example/api/me");
    expect(apiUrl("https://rt.example", "https://media.example/x")).toBe("https://media.example/x");
  });
});
