// The admin UI's protocol (npm @socket.io/admin-ui) driven with the real
// socket.io-client, as the UI itself drives it: against our server
// instrumented with socketio/admin (admin_test.go) and against Node's
// socket.io instrumented by @socket.io/admin-ui (admin-reference.mjs), so
// that the expectations here are Node's.
//
// Usage: node admin.mjs <baseURL>
// The server's admin is "admin" with password "secret"; its "/" sockets
// join the rooms of their auth.rooms. Prints "ok admin" and exits 0, or
// "FAIL admin: <reason>" and exits 1 (hard 15 s timeout).
import { io } from "socket.io-client";

const [baseURL] = process.argv.slice(2);
const sockets = [];
const waiting = new Set();
const timer = setTimeout(() => fail(`timed out waiting for: ${[...waiting].join("; ") || "nothing?"}`), 15_000);

function fail(reason) {
  console.error(`FAIL admin: ${reason}`);
  process.exit(1);
}

function connect(nsp, opts) {
  const s = io(baseURL + nsp, { forceNew: true, reconnection: false, ...opts });
  sockets.push(s);
  // Events that arrive before a test waits for them are kept.
  s.seen = [];
  s.onAny((event, ...args) => s.seen.push([event, ...args]));
  return s;
}

// next resolves with the arguments of the first event of s named event
// (seen already, or to come) that accept accepts.
function next(s, event, accept = () => true, what = event) {
  const i = s.seen.findIndex(([e, ...args]) => e === event && accept(...args));
  if (i >= 0) return Promise.resolve(s.seen.splice(i, 1)[0].slice(1));
  waiting.add(what);
  return new Promise((resolve) => {
    const listener = (e, ...args) => {
      if (e !== event || !accept(...args)) return;
      s.offAny(listener);
      s.seen.pop(); // the collector, which runs first, has just kept it
      waiting.delete(what);
      resolve(args);
    };
    s.onAny(listener);
  });
}

function once(s, event, what = event) {
  waiting.add(what);
  return new Promise((resolve) => s.once(event, (...a) => { waiting.delete(what); resolve(a); }));
}

function expect(cond, msg) {
  if (!cond) fail(msg);
}

const isDate = (v) => typeof v === "string" && !Number.isNaN(Date.parse(v));

// Two users, each in their rooms.
const u1 = connect("/", { auth: { rooms: ["user-1", "department-sales"] } });
const u2 = connect("/", { auth: { rooms: ["user-2", "department-sales"] }, transports: ["polling"] });
await Promise.all([once(u1, "connect", "u1 connect"), once(u2, "connect", "u2 connect")]);

// Wrong password: connect_error "invalid credentials", as the UI expects.
const bad = connect("/admin", { auth: { username: "admin", password: "wrong" } });
const [err] = await once(bad, "connect_error", "connect_error of a wrong password");
expect(err.message === "invalid credentials", `connect_error ${err.message}, want invalid credentials`);

// The UI's sign-in: polling then WebSocket, with credentials.
const admin = connect("/admin", { auth: { username: "admin", password: "secret" }, withCredentials: true });
const [sessionId] = await next(admin, "session");
expect(typeof sessionId === "string" && sessionId.length > 0, `session ${sessionId}`);
const [config] = await next(admin, "config");
for (const f of ["JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT", "AGGREGATED_EVENTS", "ALL_EVENTS"]) {
  expect(config.supportedFeatures.includes(f), `config ${JSON.stringify(config)} lacks ${f}`);
}
const [all] = await next(admin, "all_sockets");
const s1 = all.find((s) => s.id === u1.id);
const s2 = all.find((s) => s.id === u2.id);
expect(s1 && s2, `all_sockets ${JSON.stringify(all)} lacks ${u1.id} or ${u2.id}`);
expect(JSON.stringify([...s1.rooms].sort()) === JSON.stringify([u1.id, "department-sales", "user-1"].sort()), `u1 rooms ${s1.rooms}`);
expect(s1.nsp === "/" && typeof s1.clientId === "string" && s1.clientId.length > 0, `u1 ${JSON.stringify(s1)}`);
expect(s2.transport === "polling", `u2 transport ${s2.transport}, want polling`);
expect(typeof s1.handshake.headers === "object" && typeof s1.handshake.issued === "number" && s1.handshake.url.startsWith("/socket.io/"), `u1 handshake ${JSON.stringify(s1.handshake)}`);
expect(all.some((s) => s.nsp === "/admin" && s.id === admin.id), `all_sockets lacks the admin socket ${admin.id}`);

const [stats] = await next(admin, "server_stats");
for (const k of ["serverId", "hostname", "pid", "uptime", "clientsCount", "pollingClientsCount", "aggregatedEvents", "namespaces"]) {
  expect(k in stats, `server_stats ${JSON.stringify(stats)} lacks ${k}`);
}
expect(stats.clientsCount >= 3 && stats.pollingClientsCount >= 1, `server_stats counts ${JSON.stringify(stats)}`);
expect(stats.namespaces.some((n) => n.name === "/" && n.socketsCount === 2), `server_stats namespaces ${JSON.stringify(stats.namespaces)}`);

// Events both ways.
u1.emit("hello", { n: 1 });
let [nsp, id, args, ts] = await next(admin, "event_received", (_n, id) => id === u1.id, "event_received");
expect(nsp === "/" && JSON.stringify(args) === JSON.stringify(["hello", { n: 1 }]) && isDate(ts), `event_received ${nsp} ${JSON.stringify(args)} ${ts}`);
u1.emit("echo", "x", () => {});
[nsp, id, args] = await next(admin, "event_sent", (_n, id) => id === u1.id, "event_sent");
expect(JSON.stringify(args) === JSON.stringify(["echoed", "x"]), `event_sent ${JSON.stringify(args)}`);
[nsp, id, args] = await next(admin, "event_received", (_n, id, a) => id === u1.id && a[0] === "echo", "event_received with ack");
expect(JSON.stringify(args) === JSON.stringify(["echo", "x"]), `event_received of an event with ack ${JSON.stringify(args)}, want no ack function`);

// The actions, as the UI sends them.
admin.emit("join", "/", "vip", u1.id);
let room;
[nsp, room, id, ts] = await next(admin, "room_joined", (_n, r) => r === "vip", "room_joined vip");
expect(nsp === "/" && id === u1.id && isDate(ts), `room_joined ${nsp} ${room} ${id} ${ts}`);
admin.emit("leave", "/", "user-1", u1.id);
[nsp, room, id] = await next(admin, "room_left", (_n, r) => r === "user-1", "room_left user-1");
expect(id === u1.id, `room_left by ${id}`);
admin.emit("leave", "/", "department-sales"); // every socket of the room
await next(admin, "room_left", (_n, r, i) => r === "department-sales" && i === u1.id, "room_left department-sales u1");
await next(admin, "room_left", (_n, r, i) => r === "department-sales" && i === u2.id, "room_left department-sales u2");

const u2id = u2.id; // socket.io-client forgets it on disconnect
const disconnected = once(u2, "disconnect", "u2 disconnect");
admin.emit("_disconnect", "/", false, u2id);
const [reason] = await disconnected;
expect(reason === "io server disconnect", `u2 disconnect reason ${reason}`);
[nsp, id, room, ts] = await next(admin, "socket_disconnected", (_n, i) => i === u2id, "socket_disconnected u2");
expect(nsp === "/" && room === "server namespace disconnect" && isDate(ts), `socket_disconnected ${nsp} ${id} ${room} ${ts}`);

// A new socket is reported with its rooms.
const u3 = connect("/", { auth: { rooms: ["user-3"] } });
await once(u3, "connect", "u3 connect");
const [s3, ts3] = await next(admin, "socket_connected", (s) => s.id === u3.id, "socket_connected u3");
expect(s3.nsp === "/" && s3.rooms.includes(u3.id) && isDate(ts3), `socket_connected ${JSON.stringify(s3)} ${ts3}`);
// Node reports the socket before its connection handler joins its rooms
// (the admin UI's listener comes first), ours after: either way the join
// is reported, as a room_joined or in socket_connected's rooms.
if (!s3.rooms.includes("user-3")) await next(admin, "room_joined", (_n, r, i) => r === "user-3" && i === u3.id, "room_joined user-3");

// The UI reconnects with its session id, without the password.
const again = connect("/admin", { auth: { sessionId } });
await once(again, "connect", "reconnect with the session id");
await next(again, "config", undefined, "config after the session reconnect");

clearTimeout(timer);
for (const s of sockets) s.disconnect();
console.log("ok admin");
process.exit(0);
