// Prints what @socket.io/redis-emitter publishes for a fixed sequence of
// calls, one "<channel> <hex payload>" a line, through a stand-in for the
// Redis client: emitter_test.go makes the same calls on the Go emitter and
// compares the bytes.
//
// Usage: node emitter-bytes.mjs
import { Emitter } from "@socket.io/redis-emitter";

const client = {
  publish(channel, payload) {
    const b = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload);
    console.log(`${channel} ${b.toString("hex")}`);
    return Promise.resolve(1);
  },
};

const e = new Emitter(client, { key: "kb" });
e.emit("ev", 1, "s", { a: 1.5, b: null, c: [true, false] });
e.to("r").except("x").volatile.emit("ev", Buffer.from([1, 2, 3]), [-7, 300, 70000, -40000, 5000000000]);
e.of("chat").to(["a", "b"]).emit("ev2", "é".repeat(40), { nested: { bin: Buffer.from([9]) } });
e.in("r").socketsJoin(["j1", "j2"]);
e.except("x").socketsLeave("l");
e.to("r").disconnectSockets(true);
e.serverSideEmit("hi", { a: 1 }, "x");
