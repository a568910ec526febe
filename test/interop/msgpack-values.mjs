// The values JavaScript sends through socket.io-msgpack-parser, as a Go
// handler sees them (msgpack_test.go, TestMsgpackValues): emits "values"
// with a Date, undefined (alone and as a member), an ArrayBuffer, a Buffer,
// NaN, 2**53, -1.5 and a non-ASCII string, and prints "ack <JSON>" with the
// ack's arguments (binary as {bytes: [...]}). Exits 1 with "FAIL ..." on
// stderr after 10 s.
//
// Usage: node msgpack-values.mjs <baseURL>
import { io } from "socket.io-client";
import parser from "socket.io-msgpack-parser";
import { normalise } from "./harness.mjs";

const [baseURL] = process.argv.slice(2);
const timer = setTimeout(() => {
  console.error("FAIL no ack within 10 s");
  process.exit(1);
}, 10_000);
const s = io(baseURL, { forceNew: true, reconnection: false, parser });
s.on("connect_error", (err) => {
  console.error(`FAIL connect_error ${err.message}`);
  process.exit(1);
});
s.on("connect", () => {
  const values = [new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), undefined, { a: undefined, b: 1 },
    new Uint8Array([1, 2]).buffer, Buffer.from([3]), NaN, 2 ** 53, -1.5, "é"];
  s.emit("values", ...values, (...reply) => {
    clearTimeout(timer);
    console.log(`ack ${JSON.stringify(normalise(reply))}`);
    s.disconnect();
    process.exit(0);
  });
});
