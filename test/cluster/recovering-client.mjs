// The real socket.io-client 4.8 with connection state recovery, for a
// client that loses its node and reconnects (to the same URL) on another.
//
// Usage: node recovering-client.mjs <baseURL>
//
// Prints "connect <sid> <recovered>" at each connection and
// "event <JSON [name, ...args]>" for each event (the offset included), until
// its stdin ends.
import { io } from "socket.io-client";

const [baseURL] = process.argv.slice(2);
if (!baseURL) {
  console.error("usage: node recovering-client.mjs <baseURL>");
  process.exit(1);
}

const socket = io(baseURL, {
  transports: ["websocket"],
  query: { join: "r" },
  reconnectionDelay: 50,
  reconnectionDelayMax: 200,
});
socket.on("connect", () => console.log(`connect ${socket.id} ${socket.recovered}`));
socket.onAny((...args) => console.log(`event ${JSON.stringify(args)}`));
socket.on("connect_error", (err) => console.error(`connect_error ${err.message}`));

process.stdin.resume();
process.stdin.on("end", () => {
  socket.close();
  process.exit(0);
});
