// The upgrade window, driven by upgrade_window_test.go (not a contract
// scenario: the Go test holds requests at the door to order the steps).
//
// Usage: node upgrade-window.mjs <baseURL>
//
// One socket with the default transports (polling, then the upgrade to
// websocket). On "connect" it emits "echo" "first-ack" with an ack; it prints
// "upgrading" when the engine gets the probe's answer ("3probe"), and at the
// end one line "facts <JSON>": every Engine.IO packet received with the
// transport it came on, the engine's "upgrade" in their sequence (type
// "(upgrade)"), the first ack's arguments, and an echo after the upgrade.
// (socket.io-client runs ack callbacks a tick after the packet arrived, so
// the packet log, not the callback, tells the transport.) Exits 1 with "FAIL ..." on stderr on an error or after 15 s.
import { io } from "socket.io-client";

const [baseURL] = process.argv.slice(2);
if (!baseURL) {
  console.error("usage: node upgrade-window.mjs <baseURL>");
  process.exit(1);
}

const facts = { packets: [], ack: null, upgradedTo: null, afterUpgrade: null };
const fail = (why) => {
  console.error(`FAIL ${why}; facts ${JSON.stringify(facts)}`);
  process.exit(1);
};
const timer = setTimeout(() => fail("timed out after 15 s"), 15_000);

const s = io(baseURL, { forceNew: true, reconnection: false });
const engine = s.io.engine;
engine.on("packet", (p) => {
  const data = p.data === undefined ? "" : typeof p.data === "string" ? p.data.slice(0, 80) : "(binary)";
  facts.packets.push({ type: p.type, data, transport: engine.transport.name });
});
engine.once("upgrading", () => console.log("upgrading"));
const upgradedP = new Promise((resolve, reject) => {
  engine.once("upgrade", (t) => {
    facts.packets.push({ type: "(upgrade)", data: "", transport: t.name });
    facts.upgradedTo = t.name;
    resolve();
  });
  engine.once("upgradeError", (err) => reject(new Error(`upgradeError: ${err.message}`)));
});
s.on("connect_error", (err) => fail(`connect_error: ${err.message}`));
s.on("disconnect", (reason) => fail(`disconnect: ${reason}`));
const ackP = new Promise((resolve) => {
  s.once("connect", () => {
    s.emit("echo", "first-ack", (...args) => {
      facts.ack = { args };
      resolve();
    });
  });
});

try {
  await ackP;
  await upgradedP;
  facts.afterUpgrade = await new Promise((resolve) =>
    s.emit("echo", "after", (...args) => resolve({ args, transport: engine.transport.name })),
  );
} catch (err) {
  fail(err.message);
}
clearTimeout(timer);
console.log(`facts ${JSON.stringify(facts)}`);
s.off("disconnect");
s.disconnect();
process.exit(0);
