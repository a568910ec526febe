// Builds the npm package into lib/ (run by `npm pack` through prepack):
// tsc emits ESM and .d.ts per module, the stylesheet is copied, and the
// result is checked: the client entry starts with "use client" (Next.js
// App Router), the server entry does not and imports no React.
import { spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "lib");

rmSync(out, { recursive: true, force: true });
const tsc = spawnSync(process.execPath, [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", join(root, "tsconfig.lib.json")], {
  stdio: "inherit",
});
if (tsc.status !== 0) process.exit(tsc.status ?? 1);
copyFileSync(join(root, "src", "lib", "kinrt.css"), join(out, "kinrt.css"));

const fail = (msg) => {
  console.error(`build-lib: ${msg}`);
  process.exit(1);
};
const client = readFileSync(join(out, "lib", "index.js"), "utf8");
if (!client.startsWith('"use client";')) fail('lib/lib/index.js does not start with "use client"');
let server = "";
try {
  server = readFileSync(join(out, "server", "index.js"), "utf8");
} catch {
  // The server entry is optional until it exists.
}
if (/^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*["']use client["']/.test(server)) fail('lib/server/index.js must not be a client module ("use client")');
if (/from "react"/.test(server)) fail("lib/server/index.js must not import React");
