// A client whose parser is not the server's (parser_test.go): it must be
// told, not left waiting. Connects one socket without reconnection and
// prints "result <JSON>" with what it saw first: its connect_error, or the
// Manager's close and its reason; "connected" would be a failure the Go
// test reports. Exits 1 with "FAIL ..." on stderr after 10 s.
//
// Usage: node parser-mismatch.mjs <baseURL> <json|msgpack> <polling|websocket>
import { io } from "socket.io-client";

const [baseURL, parserName, transport] = process.argv.slice(2);
if (!baseURL || !parserName || !transport) {
  console.error("usage: node parser-mismatch.mjs <baseURL> <json|msgpack> <polling|websocket>");
  process.exit(1);
}
const opts = { forceNew: true, reconnection: false, transports: [transport] };
if (parserName === "msgpack") opts.parser = (await import("socket.io-msgpack-parser")).default;

const timer = setTimeout(() => {
  console.error("FAIL neither connected nor told of an error within 10 s");
  process.exit(1);
}, 10_000);
const s = io(baseURL, opts);
let finished = false;
const done = (result) => {
  if (finished) return; // disconnect() below closes the Manager again
  finished = true;
  clearTimeout(timer);
  console.log(`result ${JSON.stringify(result)}`);
  s.disconnect();
  process.exit(0);
};
s.on("connect", () => done({ event: "connected" }));
s.on("connect_error", (err) => done({ event: "connect_error", message: err.message }));
s.io.on("close", (reason) => done({ event: "close", reason }));
