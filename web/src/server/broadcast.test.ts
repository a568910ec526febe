import { afterEach, describe, expect, it, vi } from "vitest";
import { EVENT_NAMES } from "../generated/events";
import * as server from "./index";
import { broadcast, broadcastSystemNotification, createKinrtServer, isKinrtError, KinrtError, type BroadcastEvent } from "./index";

interface Call {
  url: string;
  init: RequestInit;
  body: { type: string; data: unknown; room?: string };
}

/** A fetch that records each call and answers status + JSON body. */
function fakeFetch(answer: (call: Call) => { status: number; body?: unknown; raw?: string }) {
  const calls: Call[] = [];
  const fn = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const call: Call = { url: String(input), init, body: JSON.parse(String(init.body)) };
    calls.push(call);
    const a = answer(call);
    return new Response(a.raw ?? (a.body === undefined ? "" : JSON.stringify(a.body)), {
      status: a.status,
      headers: { "Content-Type": "application/json" },
    });
  });
  return { calls, fetch: fn as unknown as typeof fetch };
}

const announcement = {
  level: "info",
  title: "Announcement",
  message: "Standup in 5 minutes",
  target: { kind: "department", value: "support" },
} as const;

async function failure(p: Promise<unknown>): Promise<KinrtError> {
  const err = await p.then(
    () => {
      throw new Error("resolved, want a KinrtError");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(KinrtError);
  return err as KinrtError;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("createKinrtServer", () => {
  it("posts the event with the internal key and resolves to the server's id", async () => {
    const f = fakeFetch(() => ({ status: 202, body: { id: "mabc-0123" } }));
    const kin = createKinrtServer({ url: "http://kinrt.test:3301", apiKey: "s3cret", fetch: f.fetch });
    await expect(kin.broadcastSystemNotification(announcement)).resolves.toBe("mabc-0123");
    expect(f.calls).toHaveLength(1);
    const [call] = f.calls;
    expect(call?.url).toBe("http://kinrt.test:3301/api/internal/events");
    expect(call?.init.method).toBe("POST");
    const headers = call?.init.headers as Record<string, string>;
    expect(headers.Authorization).toBe("Bearer s3cret");
    expect(headers["Content-Type"]).toBe("application/json");
    expect(call?.body).toEqual({ type: "system_notification", data: announcement });
    expect(call?.init.signal).toBeInstanceOf(AbortSignal);
  });

  it("narrows to one room of the policy with {room}, and sends no room without it", async () => {
    const f = fakeFetch(() => ({ status: 202, body: { id: "e1" } }));
    const kin = createKinrtServer({ url: "http://k.test", apiKey: "k", fetch: f.fetch });
    const vm = { voicemailId: "vm1", callSid: "CA1", from: "+1555", status: "new", department: "sales", assignedTo: "u1" } as const;
    await kin.broadcastVoicemailCreated(vm, { room: "user-u1" });
    await kin.broadcastVoicemailCreated(vm);
    expect(f.calls.map((c) => c.body)).toEqual([
      { type: "voicemail_created", data: vm, room: "user-u1" },
      { type: "voicemail_created", data: vm },
    ]);
  });

  it("keeps a path prefix of the URL, with or without a trailing slash", async () => {
    for (const url of ["http://h.test/kin", "http://h.test/kin/", "http://h.test/kin//"]) {
      const f = fakeFetch(() => ({ status: 202, body: { id: "1" } }));
      await createKinrtServer({ url, apiKey: "k", fetch: f.fetch }).broadcast({ type: "call_incoming", data: { callSid: "CA1", from: "+1", to: "+2" } });
      expect(f.calls[0]?.url).toBe("http://h.test/kin/api/internal/events");
    }
  });

  it("has one function per event of the catalog, named after it, each posting its event", async () => {
    const f = fakeFetch((c) => ({ status: 202, body: { id: c.body.type } }));
    const kin = createKinrtServer({ url: "http://k.test", apiKey: "k", fetch: f.fetch });
    expect(EVENT_NAMES).toHaveLength(17);
    for (const name of EVENT_NAMES) {
      const fn = "broadcast" + name.split("_").map((p) => p[0]!.toUpperCase() + p.slice(1)).join("");
      const method = (kin as unknown as Record<string, (p: unknown) => Promise<string>>)[fn];
      const top = (server as unknown as Record<string, unknown>)[fn];
      expect(typeof method, fn).toBe("function");
      expect(typeof top, fn).toBe("function");
      await expect(method!({ x: 1 })).resolves.toBe(name);
    }
    expect(f.calls.map((c) => c.body.type)).toEqual([...EVENT_NAMES]);
  });

  it("types broadcast's data by the event type", () => {
    const ok: BroadcastEvent = { type: "voicemail_updated", data: { voicemailId: "vm1", status: "listened" } };
    // @ts-expect-error: voicemail_updated needs a status
    const missing: BroadcastEvent = { type: "voicemail_updated", data: { voicemailId: "vm1" } };
    // @ts-expect-error: a system notification to a department names it
    const noValue: BroadcastEvent = { type: "system_notification", data: { level: "info", message: "m", target: { kind: "department" } } };
    // @ts-expect-error: not an event of the catalog
    const unknown: BroadcastEvent = { type: "call_exploded", data: {} };
    expect([ok, missing, noValue, unknown]).toHaveLength(4);
  });

  const errors: {
    name: string;
    status: number;
    body?: unknown;
    raw?: string;
    kind: KinrtError["kind"];
    message: RegExp;
  }[] = [
    { name: "401", status: 401, body: { error: "unauthorized" }, kind: "unauthorized", message: /unauthorized.*KIN_INTERNAL_API_KEY/ },
    { name: "400 with the server's message", status: 400, body: { error: "callSid: is required" }, kind: "invalid", message: /callSid: is required/ },
    { name: "413", status: 413, body: { error: "body larger than 64 KiB" }, kind: "invalid", message: /64 KiB/ },
    {
      name: "404, internal API disabled",
      status: 404,
      body: { error: "the internal API is disabled (KIN_INTERNAL_API_KEY is not set)" },
      kind: "disabled",
      message: /internal API is disabled/,
    },
    { name: "404 from something else", status: 404, raw: "<html>Not Found</html>", kind: "http", message: /answered 404/ },
    { name: "500", status: 500, body: { error: "could not publish" }, kind: "http", message: /500: could not publish/ },
    { name: "400 that is not kinrt's JSON", status: 400, raw: "Bad Request", kind: "http", message: /400/ },
    { name: "202 without an id", status: 202, body: {}, kind: "http", message: /without an event id/ },
  ];
  for (const tt of errors) {
    it(`rejects ${tt.name} as "${tt.kind}"`, async () => {
      const f = fakeFetch(() => ({ status: tt.status, body: tt.body, raw: tt.raw }));
      const err = await failure(createKinrtServer({ url: "http://k.test", apiKey: "the-key", fetch: f.fetch }).broadcastCallIncoming({ callSid: "CA1", from: "+1", to: "+2" }));
      expect(err.kind).toBe(tt.kind);
      expect(err.status).toBe(tt.status);
      expect(err.message).toMatch(tt.message);
      expect(err.message).toContain("call_incoming");
      expect(err.message).not.toContain("the-key");
      expect(isKinrtError(err, tt.kind)).toBe(true);
    });
  }

  it('rejects a fetch that fails as "network", with the cause', async () => {
    const cause = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    const fetch = vi.fn(async () => {
      throw new TypeError("fetch failed", { cause });
    }) as unknown as typeof globalThis.fetch;
    const err = await failure(createKinrtServer({ url: "http://k.test", apiKey: "k", fetch }).broadcast({ type: "call_incoming", data: { callSid: "CA1", from: "+1", to: "+2" } }));
    expect(err.kind).toBe("network");
    expect(err.status).toBeUndefined();
    expect(err.message).toMatch(/cannot reach http:\/\/k\.test\/api\/internal\/events: ECONNREFUSED/);
    expect((err.cause as TypeError).cause).toBe(cause);
  });

  it('rejects a refused connection of the real fetch as "network"', async () => {
    // Port 1 on the loopback: nothing listens there, the connection is refused at once.
    const err = await failure(createKinrtServer({ url: "http://127.0.0.1:1", apiKey: "k" }).broadcast({ type: "call_incoming", data: { callSid: "CA1", from: "+1", to: "+2" } }));
    expect(err.kind).toBe("network");
  });

  it('rejects a service that does not answer within timeoutMs as "timeout"', async () => {
    let seen: AbortSignal | undefined;
    const fetch = vi.fn(
      (_: RequestInfo | URL, init: RequestInit = {}) =>
        new Promise<Response>((_resolve, reject) => {
          seen = init.signal ?? undefined;
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        }),
    ) as unknown as typeof globalThis.fetch;
    const kin = createKinrtServer({ url: "http://k.test", apiKey: "k", fetch, timeoutMs: 30 });
    const err = await failure(kin.broadcastTaskCompleted({ taskSid: "WT1", outcome: "completed" }));
    expect(err.kind).toBe("timeout");
    expect(err.message).toMatch(/within 30 ms/);
    expect(seen?.aborted).toBe(true);
    // A per-call timeout overrides the configured one.
    const err2 = await failure(kin.broadcastTaskCompleted({ taskSid: "WT1", outcome: "completed" }, { timeoutMs: 10 }));
    expect(err2.message).toMatch(/within 10 ms/);
  });

  it("rejects with the caller's abort reason when the caller aborts", async () => {
    const fetch = vi.fn(
      (_: RequestInfo | URL, init: RequestInit = {}) =>
        new Promise<Response>((_resolve, reject) => {
          init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        }),
    ) as unknown as typeof globalThis.fetch;
    const ac = new AbortController();
    const p = createKinrtServer({ url: "http://k.test", apiKey: "k", fetch }).broadcast(
      { type: "task_completed", data: { taskSid: "WT1", outcome: "canceled" } },
      { signal: ac.signal },
    );
    const reason = new Error("the user navigated away");
    ac.abort(reason);
    await expect(p).rejects.toBe(reason);
  });
});

describe("the top-level functions", () => {
  it("read KINRT_URL and KIN_INTERNAL_API_KEY at call time, through the global fetch", async () => {
    const f = fakeFetch(() => ({ status: 202, body: { id: "e1" } }));
    vi.stubGlobal("fetch", f.fetch);
    vi.stubEnv("KINRT_URL", "http://kinrt.internal:3301");
    vi.stubEnv("NEXT_PUBLIC_SOCKET_IO_URL", "http://public.example");
    vi.stubEnv("KIN_INTERNAL_API_KEY", "env-key");
    await expect(broadcastSystemNotification(announcement)).resolves.toBe("e1");
    expect(f.calls[0]?.url).toBe("http://kinrt.internal:3301/api/internal/events");
    expect((f.calls[0]?.init.headers as Record<string, string>).Authorization).toBe("Bearer env-key");

    vi.stubEnv("KIN_INTERNAL_API_KEY", "rotated");
    await broadcast({ type: "system_notification", data: announcement });
    expect((f.calls[1]?.init.headers as Record<string, string>).Authorization).toBe("Bearer rotated");
  });

  it("fall back to NEXT_PUBLIC_SOCKET_IO_URL", async () => {
    const f = fakeFetch(() => ({ status: 202, body: { id: "e1" } }));
    vi.stubGlobal("fetch", f.fetch);
    vi.stubEnv("KINRT_URL", "");
    vi.stubEnv("NEXT_PUBLIC_SOCKET_IO_URL", "http://localhost:3301");
    vi.stubEnv("KIN_INTERNAL_API_KEY", "k");
    await broadcastSystemNotification(announcement);
    expect(f.calls[0]?.url).toBe("http://localhost:3301/api/internal/events");
  });

  it('reject without a URL or a key as "config", calling nothing', async () => {
    const f = fakeFetch(() => ({ status: 202, body: { id: "e1" } }));
    vi.stubGlobal("fetch", f.fetch);
    vi.stubEnv("KINRT_URL", "");
    vi.stubEnv("NEXT_PUBLIC_SOCKET_IO_URL", "");
    vi.stubEnv("KIN_INTERNAL_API_KEY", "k");
    expect((await failure(broadcastSystemNotification(announcement))).message).toMatch(/KINRT_URL/);
    vi.stubEnv("KINRT_URL", "http://k.test");
    vi.stubEnv("KIN_INTERNAL_API_KEY", "");
    const err = await failure(broadcastSystemNotification(announcement));
    expect(err.kind).toBe("config");
    expect(err.message).toMatch(/KIN_INTERNAL_API_KEY/);
    expect(f.calls).toHaveLength(0);
  });

  it("let a factory's configuration win over the environment, and read the rest from it", async () => {
    const f = fakeFetch(() => ({ status: 202, body: { id: "e1" } }));
    vi.stubEnv("KINRT_URL", "http://from-env.test");
    vi.stubEnv("KIN_INTERNAL_API_KEY", "env-key");
    await createKinrtServer({ url: "http://given.test", fetch: f.fetch }).broadcast({ type: "system_notification", data: announcement });
    expect(f.calls[0]?.url).toBe("http://given.test/api/internal/events");
    expect((f.calls[0]?.init.headers as Record<string, string>).Authorization).toBe("Bearer env-key");
  });
});
