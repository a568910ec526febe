// Runs the Socket.IO v2 client (npm socket.io-client 2.5.0, Engine.IO
// protocol 3, installed as "socket.io-client-v2") against a server that
// implements the interop contract (README.md) with allowEIO3.
//
// Usage: node v2.mjs <scenario|all> <baseURL>
//
// Prints "ok <scenario>" per passed scenario ("ok all" last for all) and
// exits 0; on the first failure prints "FAIL <scenario>: <reason>" to stderr
// and exits 1. Each scenario has a hard 10 s timeout naming what it waited
// for. No fixed sleeps: "did not receive" is checked after an echo round
// trip on the same socket (the server answers one connection in order).
import { isDeepStrictEqual, inspect } from "node:util";
import io from "socket.io-client-v2";
import { io as ioV4 } from "socket.io-client";

const TIMEOUT_MS = 10_000;
const [which, baseURL] = process.argv.slice(2);

const fmt = (v) => inspect(v, { depth: 5, breakLength: Infinity });
function expect(ok, message) {
  if (!ok) throw new Error(message);
}
function expectEqual(got, want, what) {
  expect(isDeepStrictEqual(got, want), `${what}: got ${fmt(got)}, want ${fmt(want)}`);
}

let waitingFor = new Set();
const sockets = [];

// INTEROP_TRACE=1 logs (to stderr) when each wait completes, with timings.
const TRACE = !!process.env.INTEROP_TRACE;
const started = Date.now();

// wait resolves when fn(resolve, reject) does, naming `what` meanwhile.
function wait(what, fn) {
  waitingFor.add(what);
  return new Promise(fn).finally(() => {
    waitingFor.delete(what);
    if (TRACE) console.error(`[+${Date.now() - started} ms] done: ${what}`);
  });
}

function socket(nsp, opts = {}) {
  const s = io(baseURL + nsp, { forceNew: true, reconnection: false, ...opts });
  sockets.push(s);
  return s;
}

const connected = (s, label) =>
  wait(`${label}: connect`, (resolve, reject) => {
    s.once("connect", resolve);
    s.once("error", (err) => reject(new Error(`${label}: error ${fmt(err)}`)));
    s.once("connect_error", (err) => reject(new Error(`${label}: connect_error ${fmt(err?.message ?? err)}`)));
  });

const ack = (s, label, ...args) =>
  wait(`${label}: ack of ${args[0]}`, (resolve) => s.emit(...args, (...got) => resolve(got)));

const next = (s, label, event) => wait(`${label}: ${event}`, (resolve) => s.once(event, (...args) => resolve(args)));

// Recovery is on in the contract: events the server emits without an ack
// carry a trailing offset (a string) after `n` arguments.
function withoutOffset(args, n) {
  return args.length === n + 1 && typeof args[n] === "string" ? args.slice(0, n) : args;
}

async function echoOn(transports, label) {
  const s = socket("/", { transports });
  await connected(s, label);
  expect(s.id === s.io.engine.id, `${label}: socket id ${s.id} is not the Engine.IO id ${s.io.engine.id}`);
  expectEqual(await ack(s, label, "echo", "hi", { n: 1, list: [true, null] }), ["hi", { n: 1, list: [true, null] }], `${label}: echo ack`);
  return s;
}

const scenarios = {
  // Polling only: connect (no CONNECT sent: "/" is implicit), ack.
  async polling() {
    const s = await echoOn(["polling"], "polling");
    expect(s.io.engine.transport.name === "polling", "not polling at the end");
  },

  // WebSocket only.
  async websocket() {
    const s = await echoOn(["websocket"], "websocket");
    expect(s.io.engine.transport.name === "websocket", "not on websocket at the end");
  },

  // Default transports: polling, then the upgrade; acks before and after.
  async upgrade() {
    const s = socket("/");
    const upgraded = wait("engine upgrade", (resolve) => s.io.engine.once("upgrade", resolve));
    await connected(s, "upgrade");
    expectEqual(await ack(s, "before upgrade", "echo", 1), [1], "echo before the upgrade");
    await upgraded;
    expectEqual(await ack(s, "after upgrade", "echo", 2), [2], "echo after the upgrade");
    expect(s.io.engine.transport.name === "websocket", "not on websocket after the upgrade");
  },

  // Binary, with and without ack, over polling (binary payloads and b64)
  // and WebSocket.
  async binary() {
    const data = [Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]) }, "text"];
    for (const [label, opts] of [
      ["polling", { transports: ["polling"] }],
      ["polling base64", { transports: ["polling"], forceBase64: true }],
      ["websocket", { transports: ["websocket"] }],
    ]) {
      const s = socket("/", opts);
      await connected(s, label);
      expectEqual(await ack(s, label, "echo", ...data), data, `${label}: binary echo ack`);
      const echoed = next(s, label, "echo");
      s.emit("echo", ...data);
      expectEqual(withoutOffset(await echoed, 3), data, `${label}: binary echo event`);
    }
  },

  // Rooms: a room broadcast reaches the other member, not the sender nor
  // a socket outside; broadcast-all reaches everyone.
  async rooms() {
    const [a, b, c] = ["a", "b", "c"].map(() => socket("/"));
    await Promise.all([connected(a, "a"), connected(b, "b"), connected(c, "c")]);
    expectEqual(await ack(a, "a", "join", "r"), ["r"], "a joins");
    expectEqual(await ack(b, "b", "join", "r"), ["r"], "b joins");
    const rooms = await ack(a, "a", "rooms");
    expectEqual(rooms, [[a.id, "r"].sort()], "a's rooms");
    const got = { a: [], b: [], c: [] };
    for (const [k, s] of Object.entries({ a, b, c })) s.on("news", (...args) => got[k].push(withoutOffset(args, 1)));
    const bGot = next(b, "b", "news");
    expectEqual(await ack(a, "a", "broadcast", { room: "r", event: "news", data: "hello" }), ["sent"], "broadcast ack");
    await bGot;
    for (const [k, s] of Object.entries({ a, c })) await ack(s, k, "echo", "sync");
    expectEqual(got, { a: [], b: [["hello"]], c: [] }, "room broadcast");
    const all = [a, b, c].map((s, i) => next(s, `socket ${i}`, "all"));
    a.emit("broadcast-all", { event: "all", data: 42 });
    for (const args of await Promise.all(all)) expectEqual(withoutOffset(args, 1), [42], "broadcast-all");
  },

  // Namespaces on one Manager: /custom with a query (the CONNECT's auth),
  // an unknown namespace refused, a middleware's refusal.
  async namespace() {
    const custom = socket("/custom", { query: { token: "abc" } });
    const welcome = next(custom, "/custom", "welcome");
    await connected(custom, "/custom");
    expect(custom.id === `/custom#${custom.io.engine.id}`, `/custom: socket id ${custom.id}`);
    expectEqual(withoutOffset(await welcome, 1), [{ nsp: "/custom" }], "/custom welcome");
    expectEqual(await ack(custom, "/custom", "echo", "x"), ["x"], "/custom echo");
    const [hs] = await ack(custom, "/custom", "handshake");
    expectEqual(hs.auth, { token: "abc" }, "/custom auth from the CONNECT's query");

    const nope = socket("/nope");
    const [err] = await next(nope, "/nope", "error");
    expectEqual(err, { message: "Invalid namespace" }, "/nope error");

    const bad = socket("/custom", { query: { token: "bad" } });
    const [refusal] = await next(bad, "/custom refused", "error");
    expectEqual(refusal, { reason: "bad token" }, "/custom middleware refusal");
    expect(!bad.connected, "refused socket is connected");
  },

  // A v2 and a v4 client in one room: binary broadcasts cross both ways
  // (the bytes a broadcast shares are framed per protocol).
  async mixed() {
    const v2 = socket("/");
    const v4 = ioV4(baseURL + "/", { forceNew: true, reconnection: false });
    sockets.push(v4);
    await Promise.all([connected(v2, "v2"), connected(v4, "v4")]);
    expectEqual(await ack(v2, "v2", "join", "mixed"), ["mixed"], "v2 joins");
    expectEqual(await ack(v4, "v4", "join", "mixed"), ["mixed"], "v4 joins");
    const data = { bin: Buffer.from([1, 2, 3]), text: "é😀" };
    let got = next(v2, "v2", "news");
    expectEqual(await ack(v4, "v4", "broadcast", { room: "mixed", event: "news", data }), ["sent"], "v4 broadcast");
    expectEqual(withoutOffset(await got, 1), [data], "v4 → v2 binary broadcast");
    got = next(v4, "v4", "news");
    expectEqual(await ack(v2, "v2", "broadcast", { room: "mixed", event: "news", data }), ["sent"], "v2 broadcast");
    expectEqual(withoutOffset(await got, 1), [data], "v2 → v4 binary broadcast");
    // One broadcast to both: the same encoded packet, framed for each.
    const all = [next(v2, "v2", "all"), next(v4, "v4", "all")];
    v2.emit("broadcast-all", { event: "all", data });
    for (const args of await Promise.all(all)) expectEqual(withoutOffset(args, 1), [data], "binary broadcast-all");
  },

  // The server disconnects the socket.
  async disconnect() {
    const s = socket("/");
    await connected(s, "disconnect");
    const reason = next(s, "disconnect", "disconnect");
    s.emit("disconnect-me");
    expectEqual(await reason, ["io server disconnect"], "disconnect reason");
    expect(!s.connected, "still connected");
  },
};

const names = Object.keys(scenarios);
if (!which || !baseURL || (which !== "all" && !scenarios[which])) {
  console.error(`usage: node v2.mjs <scenario|all> <baseURL>\nscenarios: ${names.join(", ")}`);
  process.exit(1);
}

let current = which;
function fail(reason) {
  console.error(`FAIL ${current}: ${reason}`);
  process.exit(1);
}
process.on("unhandledRejection", (err) => fail(err?.message ?? fmt(err)));
process.on("uncaughtException", (err) => fail(err?.stack ?? fmt(err)));

for (const name of which === "all" ? names : [which]) {
  current = name;
  waitingFor = new Set();
  const timer = setTimeout(() => fail(`timed out after ${TIMEOUT_MS} ms waiting for: ${[...waitingFor].join("; ") || "(nothing?)"}`), TIMEOUT_MS);
  try {
    await scenarios[name]();
  } catch (err) {
    fail(err?.message ?? fmt(err));
  }
  clearTimeout(timer);
  for (const s of sockets.splice(0)) s.close();
  console.log(`ok ${name}`);
}
if (which === "all") console.log("ok all");
process.exit(0);
