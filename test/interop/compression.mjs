// Compression, driven by compression_test.go (not a contract scenario: the
// Go server has permessage-deflate on, and the Go test checks the wire).
//
// Usage: node compression.mjs <baseURL>
//
// 1. A WebSocket-only socket (Node's ws offers permessage-deflate): the
//    negotiated extensions; a 256 KiB echo with ack (the client compresses
//    it, the server inflates it and compresses the ack); "send-big" with
//    compress true then false (the server emits "big" marker data with
//    Socket.Compress).
// 2. A second WebSocket socket emits 3 MB of zeros (a few KB compressed,
//    over the server's maxPayload once inflated): the server must close it
//    (1009) and go on serving the first.
// 3. A polling socket on fetch() (which accepts gzip and inflates): the
//    256 KiB echo, and "send-big" with compress false (without an ack).
//
// Prints "facts <JSON>" and exits 0; on an error or after 20 s prints
// "FAIL ..." to stderr and exits 1.
import { io } from "socket.io-client";
import { Fetch } from "engine.io-client";

const [baseURL] = process.argv.slice(2);
if (!baseURL) {
  console.error("usage: node compression.mjs <baseURL>");
  process.exit(1);
}

const facts = {};
const fail = (why) => {
  console.error(`FAIL ${why}; facts ${JSON.stringify(facts)}`);
  process.exit(1);
};
const timer = setTimeout(() => fail("timed out after 20 s"), 20_000);

const big = "big:" + "0123456789abcdef".repeat(1 << 14);
const bigData = "0123456789abcdef".repeat(1 << 12); // what "send-big" sends after its marker

const connect = (s) =>
  new Promise((resolve, reject) => {
    s.once("connect", resolve);
    s.once("connect_error", (err) => reject(new Error(`connect_error: ${err.message}`)));
  });
const ask = (s, ...args) => new Promise((resolve) => s.emit(...args, (...res) => resolve(res)));

// sendBig asks for "big" with marker and resolves with whether it arrived
// intact (the event comes before the ack: one connection, in order).
const sendBig = async (s, marker, compress) => {
  let data = null;
  const onBig = (m, d) => {
    if (m === marker) data = d;
  };
  s.on("big", onBig);
  await ask(s, "send-big", marker, compress);
  s.off("big", onBig);
  return data === marker + bigData;
};

// sendBigAlone is sendBig without an ack: over polling, the ack would
// share the event's response and let it be compressed (one packet that
// allows compression is enough, as with Node's engine.io).
const sendBigAlone = (s, marker, compress) =>
  new Promise((resolve) => {
    const onBig = (m, d) => {
      if (m !== marker) return;
      s.off("big", onBig);
      resolve(d === marker + bigData);
    };
    s.on("big", onBig);
    s.emit("send-big", marker, compress);
  });

try {
  // 1. WebSocket with permessage-deflate.
  const ws = io(baseURL, { forceNew: true, reconnection: false, transports: ["websocket"] });
  await connect(ws);
  facts.wsExtensions = ws.io.engine.transport.ws.extensions;
  const [echoed] = await ask(ws, "echo", big);
  facts.wsEchoIntact = echoed === big;
  facts.wsCompressedIntact = await sendBig(ws, "M-COMPRESSED", true);
  facts.wsPlainIntact = await sendBig(ws, "M-PLAIN", false);

  // 2. A decompression bomb.
  const bomb = io(baseURL, { forceNew: true, reconnection: false, transports: ["websocket"] });
  await connect(bomb);
  const closed = new Promise((resolve) =>
    bomb.once("disconnect", (reason, details) => resolve({ reason, code: details?.context?.code ?? null })),
  );
  bomb.emit("echo", "0".repeat(3_000_000));
  facts.bomb = await closed;
  const [still] = await ask(ws, "echo", "still serving");
  facts.afterBomb = still;
  ws.disconnect();

  // 3. Polling on fetch().
  const poll = io(baseURL, { forceNew: true, reconnection: false, transports: [Fetch] });
  await connect(poll);
  facts.pollTransport = poll.io.engine.transport.name;
  const [pollEchoed] = await ask(poll, "echo", big);
  facts.pollEchoIntact = pollEchoed === big;
  facts.pollPlainIntact = await sendBigAlone(poll, "M-PLAIN-POLL", false);
  poll.disconnect();
} catch (err) {
  fail(err.message);
}
clearTimeout(timer);
console.log(`facts ${JSON.stringify(facts)}`);
process.exit(0);
