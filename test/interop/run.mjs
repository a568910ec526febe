// Runs interop scenarios against a Socket.IO server implementing the contract
// in README.md.
//
// Usage: node run.mjs <scenario|all> <baseURL>     e.g. node run.mjs all http://127.0.0.1:3100
//
// Prints "ok <scenario>" per passed scenario ("ok all" last for all) and exits
// 0; on the first failure prints "FAIL <scenario>: <reason>" to stderr and
// exits 1. Each scenario has a hard 10 s timeout whose message lists what it
// was still waiting for.
import { Ctx, fmt } from "./harness.mjs";
import { scenarios } from "./scenarios.mjs";

const TIMEOUT_MS = 10_000;
const [which, baseURL] = process.argv.slice(2);
const names = Object.keys(scenarios);

if (!which || !baseURL || (which !== "all" && !scenarios[which])) {
  console.error(`usage: node run.mjs <scenario|all> <baseURL>\nscenarios: ${names.join(", ")}`);
  process.exit(1);
}

let current = which;
let currentCtx;
function fail(reason) {
  const history = currentCtx?.history ?? [];
  if (history.length) console.error(`connection history of ${current}:\n  ${history.join("\n  ")}`);
  console.error(`FAIL ${current}: ${reason}`);
  process.exit(1);
}
process.on("unhandledRejection", (err) => fail(err?.message ?? `unhandled rejection: ${fmt(err)}`));
process.on("uncaughtException", (err) => fail(`uncaught exception: ${err?.stack ?? fmt(err)}`));

async function runOne(name) {
  current = name;
  const ctx = new Ctx(name, baseURL);
  currentCtx = ctx;
  const timer = setTimeout(() => {
    const waiting = ctx.waitingFor();
    fail(`timed out after ${TIMEOUT_MS} ms waiting for: ${waiting.length ? waiting.join("; ") : "(nothing pending?)"}`);
  }, TIMEOUT_MS);
  try {
    await Promise.race([scenarios[name](ctx), ctx.aborted]);
  } catch (err) {
    ctx.closeAll();
    fail(err?.message ?? fmt(err));
  } finally {
    clearTimeout(timer);
  }
  ctx.closeAll();
  for (const m of ctx.managers) {
    if (m._readyState !== "closed") fail(`a manager is still "${m._readyState}" after closing all sockets`);
  }
  console.log(`ok ${name}`);
}

for (const name of which === "all" ? names : [which]) await runOne(name);
if (which === "all") console.log("ok all");
// Sockets are closed; don't wait for sockets the OS may still be lingering on.
process.exit(0);
