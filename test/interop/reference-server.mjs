// Reference implementation of the interop contract (see README.md) on Node's
// own socket.io 4.8 server. Every scenario in run.mjs must pass against it;
// the Go test server implements the same contract.
//
// Usage: node reference-server.mjs [port]   (default 3100, 0 = pick a free port)
// Prints "listening <port>" once it accepts connections.
import { createServer } from "node:http";
import { Server } from "socket.io";

const port = Number(process.argv[2] ?? 3100);
// INTEROP_PARSER=msgpack: the server speaks socket.io-msgpack-parser's
// format, as the clients then do (harness.mjs).
const parser = process.env.INTEROP_PARSER === "msgpack" ? { parser: (await import("socket.io-msgpack-parser")).default } : {};

const httpServer = createServer();
const io = new Server(httpServer, {
  path: "/socket.io/",
  serveClient: false,
  cors: { origin: "*" },
  pingInterval: 2000,
  pingTimeout: 5000,
  connectionStateRecovery: {
    maxDisconnectionDuration: 120000,
    skipMiddlewares: true,
  },
  ...parser,
});

// Handlers shared by every namespace: echo args back, through the ack when
// the last argument is one, otherwise as an "echo" event.
function addEcho(socket) {
  socket.on("echo", (...args) => {
    const last = args[args.length - 1];
    if (typeof last === "function") {
      args.pop();
      last(...args);
    } else {
      socket.emit("echo", ...args);
    }
  });
}

// Namespace "/".
io.use((socket, next) => {
  if (socket.handshake.auth?.token === "bad") {
    const err = new Error("unauthorized");
    err.data = { reason: "bad token" };
    return next(err);
  }
  next();
});

io.on("connection", (socket) => {
  addEcho(socket);

  socket.on("join", (room, ack) => {
    socket.join(room);
    ack(room);
  });

  socket.on("leave", (room, ack) => {
    socket.leave(room);
    ack(room);
  });

  socket.on("rooms", (ack) => ack([...socket.rooms].sort()));

  socket.on("broadcast", ({ room, event, data }, ack) => {
    socket.to(room).emit(event, data);
    if (typeof ack === "function") ack("sent");
  });

  socket.on("broadcast-all", ({ event, data }) => {
    io.emit(event, data);
  });

  socket.on("ask", (payload) => {
    socket.timeout(2000).emit("question", payload, (err, answer) => {
      socket.emit("answer", err ? { error: err.message } : answer);
    });
  });

  socket.on("handshake", (ack) => {
    ack({ auth: socket.handshake.auth, query: socket.handshake.query });
  });

  socket.on("disconnect-me", () => socket.disconnect(true));

  // Close only the Engine.IO connection, like a network failure: the client
  // reconnects and connection state recovery applies.
  socket.on("drop-transport", () => socket.conn.close());
});

// Namespace "/custom".
io.of("/custom").on("connection", (socket) => {
  addEcho(socket);
  socket.emit("welcome", { nsp: "/custom" });
});

// Dynamic namespaces "/dyn-<digits>".
io.of(/^\/dyn-\d+$/).on("connection", (socket) => {
  addEcho(socket);
  socket.emit("welcome", { nsp: socket.nsp.name });
});

httpServer.listen(port, "127.0.0.1", () => {
  console.log(`listening ${httpServer.address().port}`);
});

function shutdown() {
  io.close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
