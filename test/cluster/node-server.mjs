// A Node.js socket.io 4.8 server on @socket.io/redis-adapter: one node of a
// cluster that Go nodes (socketio/redisadapter) share.
//
// Usage: node node-server.mjs <redisURL> <key> [sharded[:<subscriptionMode>]]
//
// With "sharded" it runs createShardedAdapter (SSUBSCRIBE, channelPrefix
// <key>, subscriptionMode "dynamic" unless given) instead of createAdapter;
// a <redisURL> of comma-separated URLs is a Redis Cluster (createCluster).
//
// Prints "listening <port>" once it accepts connections and its adapter is
// subscribed. Clients join the rooms of their "join" query parameter
// (comma-separated) and get {who: <"who" query parameter>} as data. Then it
// reads commands, one JSON object a line, on stdin, and answers each with
// "res <id> <JSON>" on stdout:
//
//	{"id":1,"op":"emit","to":["r"],"except":[],"event":"e","args":[...],"binary":true}
//	{"id":2,"op":"emitWithAck","to":["r"],"event":"q","args":[]}   -> the acks
//	{"id":3,"op":"fetch","to":["r"]}                              -> [{id, rooms, data}]
//	{"id":4,"op":"join","to":["r"],"rooms":["y"]}
//	{"id":7,"op":"allRooms"}                                      -> the rooms of every node
//	{"id":5,"op":"serverSideEmit","event":"e","args":[]}
//	{"id":6,"op":"serverSideEmitWithAck","event":"e","args":[]}   -> the answers
//	{"id":8,"op":"remote","sid":"…","do":"emit","event":"e","args":[]}  -> a RemoteSocket of
//	    fetchSockets() told to emit ("emitWithAck": -> its ack), "join"/"leave" ("rooms"),
//	    or "disconnect"; -> {missing: true} when no node has the socket
//
// Server-side events from other nodes are printed as "sse <JSON [event, ...args]>";
// one named "ask" is answered with {from: "node", arg: <its first argument>}.
import { createServer } from "node:http";
import { createInterface } from "node:readline";
import { Server } from "socket.io";
import { createAdapter, createShardedAdapter } from "@socket.io/redis-adapter";
import { createClient, createCluster } from "redis";

const [redisURL, key, mode] = process.argv.slice(2);
if (!redisURL || !key) {
  console.error("usage: node node-server.mjs <redisURL> <key>");
  process.exit(1);
}

const pubClient = redisURL.includes(",")
  ? createCluster({ rootNodes: redisURL.split(",").map((url) => ({ url })) })
  : createClient({ url: redisURL });
const subClient = pubClient.duplicate();
pubClient.on("error", (err) => console.error("redis pub:", err.message));
subClient.on("error", (err) => console.error("redis sub:", err.message));
await Promise.all([pubClient.connect(), subClient.connect()]);

const httpServer = createServer();
const io = new Server(httpServer, {
  serveClient: false,
  adapter: mode?.startsWith("sharded")
    ? createShardedAdapter(pubClient, subClient, {
        channelPrefix: key,
        subscriptionMode: mode.split(":")[1] || "dynamic",
      })
    : createAdapter(pubClient, subClient, { key, requestsTimeout: 3000 }),
});

io.use((socket, next) => {
  const join = socket.handshake.query.join;
  if (join) socket.join(String(join).split(","));
  socket.data = { who: socket.handshake.query.who ?? null };
  next();
});

io.on("connection", () => {});

// Server-side events of other nodes.
io.on("ask", (arg, ack) => ack({ from: "node", arg }));
for (const ev of ["hello-node"]) {
  io.on(ev, (...args) => console.log(`sse ${JSON.stringify([ev, ...args])}`));
}

// Arguments marked {"$bin": [bytes]} become Buffers.
const revive = (v) => {
  if (Array.isArray(v)) return v.map(revive);
  if (v && typeof v === "object") {
    if (Array.isArray(v.$bin)) return Buffer.from(v.$bin);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
  }
  return v;
};
const show = (v) =>
  JSON.stringify(v, (k, x) => (x && x.type === "Buffer" && Array.isArray(x.data) ? { $bin: x.data } : x));

function operator(cmd) {
  let op = io.of("/");
  if (cmd.to?.length) op = op.to(cmd.to);
  if (cmd.except?.length) op = op.except(cmd.except);
  return op;
}

const ops = {
  emit: (cmd) => operator(cmd).emit(cmd.event, ...revive(cmd.args ?? [])),
  emitWithAck: (cmd) => operator(cmd).timeout(3000).emitWithAck(cmd.event, ...revive(cmd.args ?? [])),
  fetch: async (cmd) =>
    (await operator(cmd).fetchSockets()).map((s) => ({ id: s.id, rooms: [...s.rooms], data: s.data })),
  allRooms: async () => [...(await io.of("/").adapter.allRooms())],
  join: (cmd) => operator(cmd).socketsJoin(cmd.rooms),
  leave: (cmd) => operator(cmd).socketsLeave(cmd.rooms),
  serverSideEmit: (cmd) => io.serverSideEmit(cmd.event, ...(cmd.args ?? [])),
  serverSideEmitWithAck: (cmd) => io.serverSideEmitWithAck(cmd.event, ...(cmd.args ?? [])),
  remote: async (cmd) => {
    const s = (await io.fetchSockets()).find((x) => x.id === cmd.sid);
    if (!s) return { missing: true };
    switch (cmd.do) {
      case "emit":
        return s.emit(cmd.event, ...(cmd.args ?? []));
      case "emitWithAck":
        return s.timeout(3000).emitWithAck(cmd.event, ...(cmd.args ?? []));
      case "join":
        return s.join(cmd.rooms);
      case "leave":
        return s.leave(cmd.rooms[0]);
      case "disconnect":
        s.disconnect();
        return null;
    }
    throw new Error(`unknown remote op ${cmd.do}`);
  },
};

createInterface({ input: process.stdin }).on("line", async (line) => {
  let cmd;
  try {
    cmd = JSON.parse(line);
    const result = await ops[cmd.op](cmd);
    console.log(`res ${cmd.id} ${show(result ?? null)}`);
  } catch (err) {
    console.log(`res ${cmd?.id ?? 0} ${JSON.stringify({ error: String(err?.message ?? err) })}`);
  }
});
process.stdin.on("end", () => process.exit(0));

httpServer.listen(0, "127.0.0.1", () => {
  console.log(`listening ${httpServer.address().port}`);
});
