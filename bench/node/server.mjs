// The reference benchmark server on Node's socket.io: the same handlers as
// bench/server. Usage: node server.mjs [-addr host:port] (default
// 127.0.0.1:39002; port 0 picks a free one). It prints "listening on
// host:port" once it accepts connections.
import { createServer } from "node:http";
import { Server } from "socket.io";

let addr = "127.0.0.1:39002";
const i = process.argv.indexOf("-addr");
if (i >= 0) addr = process.argv[i + 1];
const sep = addr.lastIndexOf(":");
const host = addr.slice(0, sep);
const port = Number(addr.slice(sep + 1));

const http = createServer();
const io = new Server(http, { transports: ["polling", "websocket"] });

io.on("connection", (socket) => {
  if (socket.handshake.auth?.role !== "controller") socket.join("bench");
  socket.on("bench:broadcast", (payload) => {
    io.to("bench").emit("bench:msg", payload);
  });
  socket.on("bench:echo", (payload, ack) => {
    if (typeof ack === "function") ack(payload);
  });
});

http.listen(port, host, () => {
  const a = http.address();
  console.log(`listening on ${a.address}:${a.port}`);
});
