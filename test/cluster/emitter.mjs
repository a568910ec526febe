// Broadcasts into the cluster from outside it with @socket.io/redis-emitter,
// as a Node.js service would, then exits.
//
// Usage: node emitter.mjs <redisURL> <key>
//
// Emits "emitted" {kind: "room"} with a binary argument to room "r",
// "emitted" {kind: "all"} to every socket, makes the sockets of room "r"
// join room "from-emitter", and sends the server-side event "hello-go".
// Prints "ok" when Redis has taken all four.
import { Emitter } from "@socket.io/redis-emitter";
import { createClient } from "redis";

const [redisURL, key] = process.argv.slice(2);
if (!redisURL || !key) {
  console.error("usage: node emitter.mjs <redisURL> <key>");
  process.exit(1);
}

const client = createClient({ url: redisURL });
client.on("error", (err) => console.error("redis:", err.message));
await client.connect();

const emitter = new Emitter(client, { key });
emitter.to("r").emit("emitted", { kind: "room" }, Buffer.from([7, 8, 9]));
emitter.emit("emitted", { kind: "all" });
emitter.in("r").socketsJoin("from-emitter");
emitter.serverSideEmit("hello-go", { from: "emitter" });

await client.ping(); // after the publications, on the same connection
console.log("ok");
await client.quit();
