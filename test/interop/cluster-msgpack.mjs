// A socket.io-msgpack-parser client on one node of a cluster
// (msgpack_cluster_test.go): it joins room "r" through the contract's
// "join", prints "joined", then prints "got <JSON>" with the arguments of
// the first "news" event (binary as {bytes: [...]}) and exits 0. Exits 1
// with "FAIL ..." on stderr after 10 s.
//
// Usage: node cluster-msgpack.mjs <baseURL>
import { io } from "socket.io-client";
import parser from "socket.io-msgpack-parser";
import { normalise } from "./harness.mjs";

const [baseURL] = process.argv.slice(2);
const timer = setTimeout(() => {
  console.error("FAIL no news within 10 s");
  process.exit(1);
}, 10_000);
const s = io(baseURL, { forceNew: true, reconnection: false, parser });
s.on("connect_error", (err) => {
  console.error(`FAIL connect_error ${err.message}`);
  process.exit(1);
});
s.on("news", (...args) => {
  clearTimeout(timer);
  console.log(`got ${JSON.stringify(normalise(args))}`);
  s.disconnect();
  process.exit(0);
});
s.on("connect", () => {
  s.emit("join", "r", () => console.log("joined"));
});
