// Node's socket.io instrumented by npm @socket.io/admin-ui: the reference
// that admin.mjs's expectations are proven against (admin_test.go runs
// admin.mjs against it and against our server).
//
// Usage: node admin-reference.mjs [port]   prints "listening <port>"
import { createServer } from "node:http";
import { Server } from "socket.io";
import { instrument } from "@socket.io/admin-ui";
import bcrypt from "bcryptjs";

const port = Number(process.argv[2] ?? 0);
const http = createServer();
const io = new Server(http, { cors: { origin: true, credentials: true } });
io.on("connection", (socket) => {
  socket.join(socket.handshake.auth.rooms ?? []);
  socket.on("echo", (x, ack) => {
    socket.emit("echoed", x);
    if (typeof ack === "function") ack();
  });
});
instrument(io, {
  auth: { type: "basic", username: "admin", password: bcrypt.hashSync("secret", 10) },
  mode: "development",
});
http.listen(port, "127.0.0.1", () => console.log(`listening ${http.address().port}`));
