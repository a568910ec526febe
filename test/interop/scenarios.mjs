// Interop scenarios: socket.io-client 4.8 against a server implementing the
// contract in README.md. Each scenario is an async function(ctx) that throws
// on failure; run.mjs adds the hard timeout and closes the sockets.
import { expect, expectEqual, fmt, withoutOffset } from "./harness.mjs";

const PAYLOAD = [1, "2", { 3: [true] }];

// --- transports --------------------------------------------------------------

async function singleTransport(ctx, transport) {
  const s = ctx.socket("/", { transports: [transport] });
  await ctx.connected(s, transport);
  const reply = await ctx.ack(s, transport, "echo", ...PAYLOAD);
  expectEqual(reply, PAYLOAD, `${transport}: echo ack`);
  const name = s.io.engine.transport.name;
  expect(name === transport, `${transport}: engine transport is "${name}" at the end`);
}

async function pollingOnly(ctx) {
  await singleTransport(ctx, "polling");
}

async function websocketOnly(ctx) {
  await singleTransport(ctx, "websocket");
}

async function upgrade(ctx) {
  const s = ctx.socket("/");
  const upgraded = ctx.upgraded(s, "default transports");
  let openedOn;
  s.io.once("open", () => (openedOn = s.io.engine.transport.name));
  // Echoes sent around the upgrade (which often completes before "connect"):
  // before connect (buffered by the client), on "connect", and on the
  // engine's "upgrading" (probe done, polling paused, not yet switched).
  const echo = (label) =>
    ctx.wait(`ack of the echo sent ${label}`, (resolve) => s.emit("echo", label, (...r) => resolve(r)));
  const sent = [echo("before connect")];
  s.once("connect", () => sent.push(echo("on connect")));
  s.io.engine.once("upgrading", () => sent.push(echo("on upgrading")));

  await ctx.connected(s, "default transports");
  expect(openedOn === "polling", `engine opened on "${openedOn}", expected "polling"`);
  const name = await upgraded;
  expect(name === "websocket", `upgraded to "${name}", expected "websocket"`);
  expect(sent.length === 3, `only ${sent.length} of the 3 echoes around the upgrade were sent`);
  const replies = await Promise.all(sent);
  expectEqual(replies.map((r) => r[0]).sort(), ["before connect", "on connect", "on upgrading"], "echoes around the upgrade");
  expectEqual(await ctx.ack(s, "after upgrade", "echo", ...PAYLOAD), PAYLOAD, "echo ack after upgrade");
  const now = s.io.engine.transport.name;
  expect(now === "websocket", `engine transport is "${now}" after the upgrade`);
}

// --- auth ----------------------------------------------------------------------

async function authReject(ctx) {
  const s = ctx.socket("/", { auth: { token: "bad" } });
  const err = await ctx.connectError(s, 'auth {token:"bad"}');
  expect(err.message === "unauthorized", `connect_error message is ${fmt(err.message)}, expected "unauthorized"`);
  expectEqual(err.data, { reason: "bad token" }, "connect_error data");
  expect(!s.connected, "socket is connected after connect_error");
  // A CONNECT_ERROR packet makes the client give up on this socket (no retry).
  expect(!s.active, "socket is still active (would retry) after a middleware error");
}

async function authAccept(ctx) {
  const s = ctx.socket("/", { auth: { token: "good" }, query: { x: "1" } });
  await ctx.connected(s, 'auth {token:"good"}');
  const [hs] = await ctx.ack(s, "handshake", "handshake");
  expect(hs?.auth?.token === "good", `handshake auth is ${fmt(hs?.auth)}, expected token "good"`);
  expect(hs?.query?.x === "1", `handshake query is ${fmt(hs?.query)}, expected x "1"`);
}

// --- acknowledgements ------------------------------------------------------------

async function acksBothWays(ctx) {
  const answering = ctx.socket("/");
  answering.on("question", (payload, cb) => {
    if (typeof cb !== "function") return ctx.abort(`"question" arrived without an ack callback: ${fmt([payload, cb])}`);
    cb({ got: payload });
  });
  const silent = ctx.socket("/");
  const silentGot = [];
  silent.on("question", (payload) => silentGot.push(payload)); // never acks
  await Promise.all([ctx.connected(answering, "answering"), ctx.connected(silent, "silent")]);

  // client -> server
  expectEqual(await ctx.ack(answering, "answering", "echo", "x", 2), ["x", 2], "client->server echo ack");

  // server -> client, answered
  const answer = ctx.once(answering, "answer", 'answering: "answer" to "ask"');
  answering.emit("ask", "hi");
  const [got] = withoutOffset(await answer, 1, '"answer"');
  expectEqual(got, { got: "hi" }, "server->client ack (answer)");

  // server -> client, never answered: the server's 2 s ack timeout fires
  const timedOut = ctx.once(silent, "answer", 'silent: "answer" after the server\'s 2 s ack timeout');
  silent.emit("ask", "anyone?");
  const [failure] = withoutOffset(await timedOut, 1, '"answer" (timeout)');
  expect(
    typeof failure?.error === "string" && failure.error.length > 0,
    `answer after timeout is ${fmt(failure)}, expected {error: <message>}`,
  );
  expectEqual(silentGot, ["anyone?"], "questions received by the silent client");
}

// --- binary --------------------------------------------------------------------

async function binaryOn(ctx, transport) {
  const data = [Buffer.from([1, 2, 3]), { nested: Buffer.from([4, 5]) }, "text"];
  const s = ctx.socket("/", { transports: [transport] });
  const rec = ctx.record(s, transport);
  await ctx.connected(s, transport);

  expectEqual(await ctx.ack(s, transport, "echo", ...data), data, `${transport}: binary echo ack`);

  s.emit("echo", ...data);
  const [args] = await rec.waitFor("echo");
  expectEqual(withoutOffset(args, 3, `${transport}: "echo" event`), data, `${transport}: binary echo event`);
  const name = s.io.engine.transport.name;
  expect(name === transport, `${transport}: engine transport is "${name}" at the end`);
}

async function binary(ctx) {
  await binaryOn(ctx, "polling");
  await binaryOn(ctx, "websocket");
}

// --- namespaces ------------------------------------------------------------------

async function namespaces(ctx) {
  // All on one Manager, i.e. one Engine.IO connection.
  const m = ctx.manager();
  const root = m.socket("/");
  const custom = m.socket("/custom");
  const dyn = m.socket("/dyn-42");
  const nope = m.socket("/nope");
  const customRec = ctx.record(custom, "/custom");
  const dynRec = ctx.record(dyn, "/dyn-42");

  const nopeErr = ctx.connectError(nope, "/nope");
  await Promise.all([ctx.connected(root, "/"), ctx.connected(custom, "/custom"), ctx.connected(dyn, "/dyn-42")]);
  const err = await nopeErr;
  expect(err.message === "Invalid namespace", `/nope: connect_error ${fmt(err.message)}, expected "Invalid namespace"`);
  expect(!nope.connected, "/nope is connected");

  expect(root.io === custom.io && root.io === dyn.io, "sockets of one Manager do not share it");
  const [welcome] = await customRec.waitFor("welcome");
  expectEqual(withoutOffset(welcome, 1, "/custom welcome"), [{ nsp: "/custom" }], "/custom welcome");
  const [dynWelcome] = await dynRec.waitFor("welcome");
  expectEqual(withoutOffset(dynWelcome, 1, "/dyn-42 welcome"), [{ nsp: "/dyn-42" }], "/dyn-42 welcome");

  // The refused namespace did not break the shared connection.
  for (const [label, s] of [["/", root], ["/custom", custom], ["/dyn-42", dyn]]) {
    expectEqual(await ctx.ack(s, label, "echo", label, 7), [label, 7], `${label}: echo ack`);
  }
  expect(root.io.engine === custom.io.engine, "/ and /custom use different engines");
}

// --- rooms -----------------------------------------------------------------------

async function rooms(ctx) {
  const labels = ["A", "B", "C"];
  const [A, B, C] = labels.map(() => ctx.socket("/"));
  const [recA, recB, recC] = [A, B, C].map((s, i) => ctx.record(s, labels[i]));
  await Promise.all([A, B, C].map((s, i) => ctx.connected(s, labels[i])));

  expectEqual(await ctx.ack(A, "A", "join", "r1"), ["r1"], "A join ack");
  expectEqual(await ctx.ack(B, "B", "join", "r1"), ["r1"], "B join ack");
  const [roomsA] = await ctx.ack(A, "A", "rooms");
  expectEqual(roomsA, [A.id, "r1"].sort(), "A rooms");

  // C (not in r1) -> r1: A and B get it, C does not.
  const sent = await ctx.ack(C, "C", "broadcast", { room: "r1", event: "news", data: { n: 1 } });
  expectEqual(sent, ["sent"], "broadcast ack");
  for (const [label, rec] of [["A", recA], ["B", recB]]) {
    const [args] = await rec.waitFor("news");
    expectEqual(withoutOffset(args, 1, `${label} news`), [{ n: 1 }], `${label} news`);
  }
  await ctx.roundTrip(C, "C");
  recC.expectNone("news", "C is not in r1 and sent the broadcast");

  // C alone in r2 -> r2: nobody gets it (the sender is excluded).
  expectEqual(await ctx.ack(C, "C", "join", "r2"), ["r2"], "C join ack");
  expectEqual(await ctx.ack(C, "C", "broadcast", { room: "r2", event: "lonely", data: {} }), ["sent"], "broadcast ack");
  for (const [label, s, rec] of [["A", A, recA], ["B", B, recB], ["C", C, recC]]) {
    await ctx.roundTrip(s, label);
    rec.expectNone("lonely", "broadcast to r2, where only the sender is");
  }

  // A leaves r1: a broadcast to r1 reaches B only.
  expectEqual(await ctx.ack(A, "A", "leave", "r1"), ["r1"], "A leave ack");
  const [roomsAfter] = await ctx.ack(A, "A", "rooms");
  expectEqual(roomsAfter, [A.id], "A rooms after leave");
  await ctx.ack(C, "C", "broadcast", { room: "r1", event: "news2", data: { n: 2 } });
  const [args2] = await recB.waitFor("news2");
  expectEqual(withoutOffset(args2, 1, "B news2"), [{ n: 2 }], "B news2");
  await ctx.roundTrip(A, "A");
  recA.expectNone("news2", "A left r1");

  // broadcast-all reaches everybody, the sender included.
  C.emit("broadcast-all", { event: "all", data: { n: 3 } });
  for (const [label, rec] of [["A", recA], ["B", recB], ["C", recC]]) {
    const [args] = await rec.waitFor("all");
    expectEqual(withoutOffset(args, 1, `${label} all`), [{ n: 3 }], `${label} broadcast-all`);
  }

  // Nothing was delivered twice.
  for (const [label, s] of [["A", A], ["B", B], ["C", C]]) await ctx.roundTrip(s, label);
  expect(recA.args("news").length === 1 && recB.args("news").length === 1, "news delivered more than once");
  expect(recB.args("news2").length === 1, "news2 delivered more than once");
  for (const [label, rec] of [["A", recA], ["B", recB], ["C", recC]]) {
    expect(rec.args("all").length === 1, `${label}: broadcast-all delivered ${rec.args("all").length} times`);
  }
}

// --- disconnect ------------------------------------------------------------------

async function disconnect(ctx) {
  const s = ctx.socket("/");
  await ctx.connected(s, "/");
  const closed = ctx.once(s, "disconnect", '"disconnect" after "disconnect-me"');
  s.emit("disconnect-me");
  const [reason] = await closed;
  expect(reason === "io server disconnect", `disconnect reason ${fmt(reason)}, expected "io server disconnect"`);
  // The client destroyed the socket and closed its Manager: nothing will reconnect.
  expect(!s.connected && !s.active, "socket still active: it would reconnect");
  expect(s.io._readyState === "closed" && !s.io._reconnecting, `manager is "${s.io._readyState}", reconnecting=${s.io._reconnecting}`);
}

// --- connection state recovery -------------------------------------------------------

const TRANSPORT_LOST = ["transport close", "transport error"];

async function recovery(ctx) {
  const B = ctx.socket("/");
  const A = ctx.socket("/", { reconnection: false }); // reconnected by hand: deterministic
  const A2 = ctx.socket("/", { reconnectionDelay: 200, randomizationFactor: 0 }); // reconnects by itself
  const [recA, recA2] = [ctx.record(A, "A"), ctx.record(A2, "A2")];
  const upgrades = [ctx.upgraded(A, "A"), ctx.upgraded(A2, "A2")];
  await Promise.all([ctx.connected(B, "B"), ctx.connected(A, "A"), ctx.connected(A2, "A2"), ...upgrades]);
  expectEqual(await ctx.ack(A, "A", "join", "keep-A"), ["keep-A"], "A join ack");

  // The client sends {pid, offset} only once it has received an event carrying
  // an offset, so recovery needs one first.
  B.emit("broadcast-all", { event: "warmup", data: { n: 0 } });
  for (const [label, rec] of [["A", recA], ["A2", recA2]]) {
    const [args] = await rec.waitFor("warmup");
    expect(
      args.length === 2 && typeof args[1] === "string",
      `${label}: "warmup" broadcast arrived as ${fmt(args)}; expected [data, offset string] (recovery needs the offset)`,
    );
  }

  // 1. A loses its transport; B broadcasts while A is away; A reconnects.
  const idA = A.id;
  const lostA = ctx.once(A, "disconnect", 'A: "disconnect" after "drop-transport"');
  A.emit("drop-transport");
  const [reasonA] = await lostA;
  expect(TRANSPORT_LOST.includes(reasonA), `A: disconnect reason ${fmt(reasonA)}, expected one of ${fmt(TRANSPORT_LOST)}`);
  expect(A.active, "A: socket no longer active after losing its transport");
  B.emit("broadcast-all", { event: "missed", data: { n: 1 } });
  B.emit("broadcast-all", { event: "missed", data: { n: 2 } });
  await ctx.roundTrip(B, "B after broadcasting"); // both broadcasts are done
  recA.expectNone("missed", "A was disconnected");

  const missed = recA.waitFor("missed", 2);
  const back = ctx.connected(A, "A reconnect");
  A.connect();
  await back;
  expect(A.recovered === true, `A: socket.recovered is ${fmt(A.recovered)} after reconnecting`);
  expect(A.id === idA, `A: id changed from ${idA} to ${A.id}`);
  const got = await missed;
  expectEqual(got.map((args, i) => withoutOffset(args, 1, `A missed #${i + 1}`)[0]), [{ n: 1 }, { n: 2 }], "A missed events");
  const [roomsA] = await ctx.ack(A, "A", "rooms");
  expectEqual(roomsA, [idA, "keep-A"].sort(), "A rooms after recovery");
  expect(recA.args("missed").length === 2, `A: "missed" delivered ${recA.args("missed").length} times`);
  expect(recA.args("warmup").length === 1, `A: "warmup" delivered ${recA.args("warmup").length} times`);

  // 2. Same with the client's automatic reconnection (after 200 ms).
  //    B broadcasts as soon as A2 sees the loss.
  const idA2 = A2.id;
  const lostA2 = ctx.wait('A2: "disconnect" after "drop-transport"', (resolve) => {
    A2.once("disconnect", (reason) => {
      B.emit("broadcast-all", { event: "missed-auto", data: { n: 1 } });
      B.emit("broadcast-all", { event: "missed-auto", data: { n: 2 } });
      resolve(reason);
    });
  });
  const backA2 = ctx.once(A2, "connect", "A2: automatic reconnect");
  const missedA2 = recA2.waitFor("missed-auto", 2);
  A2.emit("drop-transport");
  const reasonA2 = await lostA2;
  expect(TRANSPORT_LOST.includes(reasonA2), `A2: disconnect reason ${fmt(reasonA2)}, expected one of ${fmt(TRANSPORT_LOST)}`);
  await backA2;
  expect(A2.recovered === true, `A2: socket.recovered is ${fmt(A2.recovered)} after reconnecting`);
  expect(A2.id === idA2, `A2: id changed from ${idA2} to ${A2.id}`);
  const got2 = await missedA2;
  expectEqual(got2.map((args, i) => withoutOffset(args, 1, `A2 missed #${i + 1}`)[0]), [{ n: 1 }, { n: 2 }], "A2 missed events");
  await ctx.roundTrip(A2, "A2");
  expect(recA2.args("missed-auto").length === 2, `A2: "missed-auto" delivered ${recA2.args("missed-auto").length} times`);
}

export const scenarios = {
  "polling-only": pollingOnly,
  "websocket-only": websocketOnly,
  upgrade,
  "auth-reject": authReject,
  "auth-accept": authAccept,
  "acks-both-ways": acksBothWays,
  binary,
  namespaces,
  rooms,
  disconnect,
  recovery,
};
