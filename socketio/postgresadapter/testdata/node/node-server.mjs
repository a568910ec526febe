// A Node.js socket.io 4.8 server on @socket.io/postgres-adapter: one node
// of a cluster that Go nodes (socketio/postgresadapter) share, with a
// @socket.io/postgres-emitter on the same database.
//
// Usage: node node-server.mjs <postgresURL> <channelPrefix> <tableName>
//
// Prints "listening <port>" once it accepts connections. Clients join the
// rooms of their "join" query parameter (comma-separated) and get
// {who: <"who" query parameter>} as data. Then it reads commands, one JSON
// object a line, on stdin, and answers each with "res <id> <JSON>":
//
//	{"id":1,"op":"emit","to":["r"],"except":[],"event":"e","args":[...]}
//	{"id":2,"op":"emitWithAck","to":[],"event":"q","args":[]}     -> the acks
//	{"id":3,"op":"fetch","to":["r"]}                            -> [{id, rooms, data}]
//	{"id":4,"op":"join","to":["r"],"rooms":["y"]}
//	{"id":5,"op":"serverSideEmit","event":"e","args":[]}
//	{"id":6,"op":"serverSideEmitWithAck","event":"e","args":[]} -> the answers
//	{"id":7,"op":"serverCount"}                                 -> a number
//	{"id":8,"op":"emitter","to":["r"],"except":[],"event":"e","args":[]}: through the emitter
//	{"id":9,"op":"emitterJoin","to":["r"],"rooms":["y"]}: through the emitter
//	{"id":10,"op":"close"}: closes the server (its adapter says so) and exits
//
// Arguments {"$bin": [bytes]} become Buffers; a Buffer in an ack or answer
// prints as {"$bin": [bytes]}. Server-side events "hello-node" from other
// nodes print as "sse <JSON [event, ...args]>"; one named "ask" is answered
// with {from: "node", arg: <its first argument>}.
import { createServer } from "node:http";
import { userInfo } from "node:os";
import { createInterface } from "node:readline";
import { Server } from "socket.io";
import { createAdapter } from "@socket.io/postgres-adapter";
import { Emitter } from "@socket.io/postgres-emitter";
import pg from "pg";

const [url, channelPrefix, tableName] = process.argv.slice(2);
if (!url || !channelPrefix || !tableName) {
  console.error("usage: node node-server.mjs <postgresURL> <channelPrefix> <tableName>");
  process.exit(1);
}

// A URL without a user means the OS user, as for libpq and pgx.
const connectionString = new URL(url);
connectionString.username ||= process.env.PGUSER || userInfo().username;
const pool = new pg.Pool({ connectionString: connectionString.href, max: 4 });
pool.on("error", (err) => console.error("pg:", err.message));
await pool.query(`CREATE TABLE IF NOT EXISTS ${tableName} (
  id bigserial UNIQUE,
  created_at timestamptz DEFAULT NOW(),
  payload bytea
)`);

const httpServer = createServer();
const io = new Server(httpServer, {
  serveClient: false,
  adapter: createAdapter(pool, {
    channelPrefix,
    tableName,
    heartbeatInterval: 500,
    heartbeatTimeout: 3000,
    errorHandler: (err) => console.error("adapter:", err.message),
  }),
});
const emitter = new Emitter(pool, "/", { channelPrefix, tableName });

io.use((socket, next) => {
  const join = socket.handshake.query.join;
  if (join) socket.join(String(join).split(","));
  socket.data = { who: socket.handshake.query.who ?? null };
  next();
});
io.on("connection", () => {});
io.on("ask", (arg, ack) => ack({ from: "node", arg }));
io.on("hello-node", (...args) => console.log(`sse ${JSON.stringify(["hello-node", ...args])}`));

const revive = (v) => {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === "object") {
    if (Array.isArray(v.$bin)) return Buffer.from(v.$bin);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
  }
  return v;
};
const show = (v) => {
  if (v instanceof Uint8Array) return { $bin: [...v] };
  if (Array.isArray(v)) return v.map(show);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, show(x)]));
  return v;
};

const target = (cmd) => {
  let op = io.to(cmd.to ?? []);
  if (cmd.except?.length) op = op.except(cmd.except);
  return op;
};

const run = async (cmd) => {
  const args = revive(cmd.args ?? []);
  switch (cmd.op) {
    case "emit":
      target(cmd).emit(cmd.event, ...args);
      return null;
    case "emitWithAck":
      return show(await target(cmd).timeout(3000).emitWithAck(cmd.event, ...args));
    case "fetch":
      return (await io.in(cmd.to ?? []).fetchSockets()).map((s) => ({ id: s.id, rooms: [...s.rooms], data: s.data }));
    case "join":
      io.in(cmd.to ?? []).socketsJoin(cmd.rooms);
      return null;
    case "serverSideEmit":
      io.serverSideEmit(cmd.event, ...args);
      return null;
    case "serverSideEmitWithAck":
      return show(await io.serverSideEmitWithAck(cmd.event, ...args));
    case "serverCount":
      return await io.of("/").adapter.serverCount();
    case "emitter": {
      let op = emitter.to(cmd.to ?? []);
      if (cmd.except?.length) op = op.except(cmd.except);
      op.emit(cmd.event, ...args);
      return null;
    }
    case "emitterJoin":
      emitter.in(cmd.to ?? []).socketsJoin(cmd.rooms);
      return null;
    case "close":
      console.log(`res ${cmd.id} null`);
      // io.close() closes the adapter, whose ADAPTER_CLOSE query is then
      // queued on the pool: end() lets it finish.
      await new Promise((resolve) => io.close(resolve));
      await pool.end();
      process.exit(0);
  }
  throw new Error(`unknown op ${cmd.op}`);
};

httpServer.listen(0, "127.0.0.1", () => {
  console.log(`listening ${httpServer.address().port}`);
  const rl = createInterface({ input: process.stdin });
  rl.on("line", async (line) => {
    let cmd;
    try {
      cmd = JSON.parse(line);
      const res = await run(cmd);
      console.log(`res ${cmd.id} ${JSON.stringify(res ?? null)}`);
    } catch (err) {
      console.log(`res ${cmd?.id ?? 0} ${JSON.stringify({ error: String(err?.message ?? err) })}`);
    }
  });
  rl.on("close", () => process.exit(0));
});
