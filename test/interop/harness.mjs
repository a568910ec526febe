// Small helpers shared by the scenarios: event-driven waits that remember
// what they are waiting for (so the hard timeout can say it), comparisons
// that give readable failures, and socket bookkeeping so every socket is
// closed at the end.
import { inspect, isDeepStrictEqual } from "node:util";
import { io, Manager } from "socket.io-client";

// INTEROP_TRACE=1 logs (to stderr) when each wait completes, with timings.
const TRACE = !!process.env.INTEROP_TRACE;

// INTEROP_PARSER=msgpack gives every socket and manager the parser of npm
// socket.io-msgpack-parser (the server must use the same); unset: the
// default JSON parser.
export const parserOpts = await clientParser(process.env.INTEROP_PARSER);

async function clientParser(name) {
  if (!name) return {};
  if (name !== "msgpack") throw new Error(`INTEROP_PARSER: unknown parser "${name}"`);
  return { parser: (await import("socket.io-msgpack-parser")).default };
}

export class Ctx {
  constructor(name, baseURL) {
    this.name = name;
    this.baseURL = baseURL.replace(/\/+$/, "");
    this.pending = new Map(); // id -> description of what we wait for
    this.nextId = 0;
    this.managers = new Set();
    this.history = []; // see watch()
    this.closing = false;
    this.started = Date.now();
    // Rejected by abort(): for failures noticed inside event handlers.
    this.aborted = new Promise((_, reject) => {
      this.abort = (message) => reject(new Error(message));
    });
  }

  // --- sockets -------------------------------------------------------------

  // A socket on its own Manager (own Engine.IO connection).
  socket(nsp = "/", opts = {}) {
    const s = io(this.baseURL + nsp, { forceNew: true, ...parserOpts, ...opts });
    this.watch(s.io, `manager #${this.managers.size + 1}`);
    return s;
  }

  // A Manager whose sockets share one Engine.IO connection.
  manager(opts = {}) {
    const m = new Manager(this.baseURL, { ...parserOpts, ...opts });
    this.watch(m, `manager #${this.managers.size + 1}`);
    return m;
  }

  // Keeps a history of connection-level events (closes with their reason,
  // reconnection attempts, errors) for failure messages: an unexpected
  // "ping timeout" explains a lost ack.
  watch(m, label) {
    this.managers.add(m);
    const note = (text) => {
      if (!this.closing) this.history.push(`+${Date.now() - this.started} ms ${label}: ${text}`);
    };
    m.on("close", (reason) => note(`closed (${reason})`));
    m.on("error", (err) => note(`error (${err?.message})`));
    m.on("reconnect_attempt", (n) => note(`reconnect attempt ${n}`));
    m.on("reconnect", () => note("reconnected"));
  }

  // Disconnects every socket of every manager this scenario created.
  closeAll() {
    this.closing = true;
    for (const m of this.managers) {
      for (const s of Object.values(m.nsps)) s.disconnect();
      // The last socket's disconnect() closes the manager; this covers a
      // manager left without active sockets (e.g. all refused).
      if (m._readyState !== "closed") m._close();
    }
  }

  // --- waiting -------------------------------------------------------------

  // Like new Promise(executor), but `what` (a string, or a function giving
  // one) is listed while it is pending.
  wait(what, executor) {
    const id = this.nextId++;
    this.pending.set(id, what);
    return new Promise(executor).finally(() => {
      this.pending.delete(id);
      if (TRACE) {
        const text = typeof what === "function" ? what() : what;
        console.error(`[${this.name} +${Date.now() - this.started} ms] done: ${text}`);
      }
    });
  }

  waitingFor() {
    return [...this.pending.values()].map((what) => (typeof what === "function" ? what() : what));
  }

  // Resolves with the event's arguments (as an array) the next time it fires.
  once(emitter, event, what) {
    return this.wait(what, (resolve) => emitter.once(event, (...args) => resolve(args)));
  }

  // Resolves when the socket is connected; rejects on connect_error.
  connected(socket, what) {
    return this.wait(`${what}: connect`, (resolve, reject) => {
      if (socket.connected) return resolve();
      const onConnect = () => {
        socket.off("connect_error", onError);
        resolve();
      };
      const onError = (err) => {
        socket.off("connect", onConnect);
        reject(new Error(`${what}: connect_error "${err.message}" (data ${fmt(err.data)})`));
      };
      socket.once("connect", onConnect);
      socket.once("connect_error", onError);
    });
  }

  // Resolves with connect_error's Error; rejects if the socket connects.
  connectError(socket, what) {
    return this.wait(`${what}: connect_error`, (resolve, reject) => {
      const onConnect = () => {
        socket.off("connect_error", onError);
        reject(new Error(`${what}: connected, but a connect_error was expected`));
      };
      const onError = (err) => {
        socket.off("connect", onConnect);
        resolve(err);
      };
      socket.once("connect", onConnect);
      socket.once("connect_error", onError);
    });
  }

  // Emits with an ack callback; resolves with the ack's arguments (array).
  ack(socket, what, event, ...args) {
    return this.wait(`${what}: ack of "${event}"`, (resolve) => {
      socket.emit(event, ...args, (...reply) => resolve(reply));
    });
  }

  // One echo-with-ack round trip. The server answers packets of one
  // connection in order, so anything it sent to this socket before handling
  // this echo has been received once this resolves.
  async roundTrip(socket, what) {
    const reply = await this.ack(socket, `${what} (round trip)`, "echo", "ping");
    expectEqual(reply, ["ping"], `${what}: round-trip echo ack`);
  }

  // Resolves once the engine of the socket's manager upgraded to websocket;
  // rejects on upgradeError. Call before the upgrade can happen (right after
  // creating the socket, or on the manager's "open").
  upgraded(socket, what) {
    return this.wait(`${what}: engine "upgrade" to websocket`, (resolve, reject) => {
      const engine = socket.io.engine;
      engine.once("upgrade", (transport) => resolve(transport.name));
      engine.once("upgradeError", (err) => reject(new Error(`${what}: upgradeError: ${err.message}`)));
    });
  }

  // Records every event a socket receives (onAny), so scenarios can wait for
  // events and check what did NOT arrive.
  record(socket, label) {
    return new Recorder(this, socket, label);
  }
}

export class Recorder {
  constructor(ctx, socket, label) {
    this.ctx = ctx;
    this.label = label;
    this.log = []; // [{ event, args }]
    this.waiters = [];
    socket.onAny((event, ...args) => {
      this.log.push({ event, args });
      this.waiters = this.waiters.filter((w) => !w());
    });
  }

  // Arguments of every received `event`, in arrival order.
  args(event) {
    return this.log.filter((e) => e.event === event).map((e) => e.args);
  }

  // Resolves with args(event) once `count` of them have arrived.
  waitFor(event, count = 1) {
    const what = () => `${this.label}: ${count} x "${event}" (got ${this.args(event).length})`;
    return this.ctx.wait(what, (resolve) => {
      const check = () => {
        const got = this.args(event);
        if (got.length < count) return false;
        resolve(got);
        return true;
      };
      if (!check()) this.waiters.push(check);
    });
  }

  expectNone(event, why) {
    const got = this.args(event);
    if (got.length) throw new Error(`${this.label} received "${event}" ${fmt(got)} but should not have (${why})`);
  }
}

// --- comparisons -------------------------------------------------------------

export function fmt(v) {
  return inspect(v, { depth: 8, breakLength: Infinity });
}

// Binary comes back as Buffer (the Node client's binaryType is "nodebuffer"),
// but accept any ArrayBuffer/TypedArray: compare bytes.
export function normalise(v) {
  if (v instanceof ArrayBuffer) return { bytes: [...new Uint8Array(v)] };
  if (ArrayBuffer.isView(v)) return { bytes: [...new Uint8Array(v.buffer, v.byteOffset, v.byteLength)] };
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalise(x)]));
  }
  return v;
}

export function expectEqual(actual, expected, what) {
  if (!isDeepStrictEqual(normalise(actual), normalise(expected))) {
    throw new Error(`${what}: expected ${fmt(expected)}, got ${fmt(actual)}`);
  }
}

export function expect(cond, what) {
  if (!cond) throw new Error(what);
}

// Event arguments as sent by the server, without the connection state
// recovery offset: with recovery on, the server appends one string (the
// packet's offset) to every event it emits without an ack.
export function withoutOffset(args, expectedLength, what) {
  if (args.length === expectedLength) return args;
  if (args.length === expectedLength + 1 && typeof args[expectedLength] === "string") {
    return args.slice(0, expectedLength);
  }
  throw new Error(
    `${what}: expected ${expectedLength} argument(s) (+ optional offset string), got ${fmt(args)}`,
  );
}
