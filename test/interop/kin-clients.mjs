// kin-clients.mjs: real socket.io-client sockets for the KIN service tests
// (internal/server). Driven over stdin/stdout, one JSON object per line.
//
// In:  {"url": "...", "clients": [{"name": "a", "auth": {...}?, "headers": {...}?,
//        "transports": ["websocket"]?, "url": "..."?, "reconnect": true?,
//        "waitUpgrade": true?}],
//        "endMarker": "...", "endCount": n?}
//      A client's own url overrides the spec's; with reconnect, the client
//      reconnects quickly (and recovers its session when the server can).
// Out: {"type":"connected","results":{"a":"ok" | {"error": msg, "data": data}}}
//      once every client connected or failed;
//      {"type":"events","received":{"a":[[eventName, payload], ...]},
//       "reconnects":{"a":{"recovered":n,"fresh":m}}}
//      once every connected client received endCount (default 1)
//      system_notifications whose message is endMarker (the markers are
//      left out; a cluster test sends one per node), or, without
//      reconnect, was disconnected; then exits 0.
// Any other failure: a line {"type":"error","error":...} and exit 1.
import { io } from "socket.io-client";
import { createInterface } from "node:readline";

const rl = createInterface({ input: process.stdin });
const lines = rl[Symbol.asyncIterator]();
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");
const fail = (e) => {
  out({ type: "error", error: String(e?.stack ?? e) });
  process.exit(1);
};
process.on("unhandledRejection", fail);

const { value: first } = await lines.next();
const spec = JSON.parse(first);
const sockets = {};
const received = {};
const results = {};
const acks = {};
const reconnects = {};
const markers = {};
let ended = 0;
let connectedCount = 0;
let endResolve;
const allEnded = new Promise((r) => (endResolve = r));

await Promise.all(
  spec.clients.map(
    (c) =>
      new Promise((resolve) => {
        const s = io(c.url ?? spec.url, {
          forceNew: true,
          reconnection: !!c.reconnect,
          reconnectionDelay: 50,
          reconnectionDelayMax: 250,
          randomizationFactor: 0,
          transports: c.transports ?? ["polling", "websocket"],
          auth: c.auth ?? {},
          extraHeaders: c.headers ?? {},
        });
        sockets[c.name] = s;
        received[c.name] = [];
        markers[c.name] = 0;
        let done = false;
        s.onAny((event, payload) => {
          if (event === "system_notification" && payload?.message === spec.endMarker) {
            if (++markers[c.name] === (spec.endCount ?? 1)) finish();
            return;
          }
          received[c.name].push([event, payload]);
        });
        reconnects[c.name] = { recovered: 0, fresh: 0 };
        let finished = false;
        const finish = () => {
          if (finished) return;
          finished = true;
          if (++ended === connectedCount) endResolve();
        };
        // A client that cannot reconnect is done when it is disconnected.
        s.on("disconnect", () => {
          if (!c.reconnect && results[c.name] === "ok") finish();
        });
        s.on("connect", () => {
          if (done) {
            reconnects[c.name][s.recovered ? "recovered" : "fresh"]++;
            return;
          }
          done = true;
          const ready = async () => {
            // emit: events sent once connected, in order, each answered
            // (its ack recorded) before the next.
            acks[c.name] = [];
            for (const e of c.emit ?? []) acks[c.name].push(await s.timeout(10000).emitWithAck(e.event, e.payload));
            results[c.name] = "ok";
            connectedCount++;
            resolve();
          };
          // waitUpgrade: connected once on WebSocket, not while polling.
          if (c.waitUpgrade && s.io.engine.transport.name !== "websocket") s.io.engine.once("upgrade", ready);
          else ready();
        });
        s.on("connect_error", (err) => {
          if (done) return;
          done = true;
          results[c.name] = { error: err.message, data: err.data ?? null };
          s.close();
          resolve();
        });
      }),
  ),
);
out({ type: "connected", results, acks });
if (connectedCount === 0) process.stdout.write("", () => process.exit(0));
await allEnded;
for (const s of Object.values(sockets)) s.close();
// A large write to a pipe completes asynchronously: exit once it is flushed.
process.stdout.write(JSON.stringify({ type: "events", received, reconnects }) + "\n", () => process.exit(0));
