// The npm package as a consumer gets it: `npm pack` (which builds lib/
// through prepack), then the tarball's file list, its entries imported by
// Node through the package's exports map, and its .d.ts type-checked by a
// consumer under `moduleResolution: nodenext`. Plain JS (Node's modules,
// no @types/node in this package), run by vitest.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const web = join(dirname(fileURLToPath(import.meta.url)), "..");
// Inside web/node_modules, so that the unpacked package finds react and
// socket.io-client the way an app's node_modules would provide them.
let tmp = "";
let entries = [];
let pkgDir = "";

beforeAll(() => {
  tmp = mkdtempSync(join(web, "node_modules", ".kinrt-pack-test-"));
  execFileSync("npm", ["pack", "--pack-destination", tmp, "--silent"], { cwd: web, stdio: ["ignore", "ignore", "pipe"] });
  const tgz = readdirSync(tmp).filter((f) => f.endsWith(".tgz"));
  expect(tgz).toHaveLength(1);
  const tarball = join(tmp, tgz[0]);
  entries = execFileSync("tar", ["-tzf", tarball], { encoding: "utf8" }).split("\n").filter(Boolean);
  const scope = join(tmp, "node_modules", "@kin-comms");
  mkdirSync(scope, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", scope]);
  pkgDir = join(scope, "kinrt-web");
  renameSync(join(scope, "package"), pkgDir);
}, 180_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("npm pack", () => {
  it("holds the entries, the generated types, the stylesheet and the README, and no tests or sources", () => {
    for (const want of [
      "package/package.json",
      "package/README.md",
      "package/LICENSE",
      "package/lib/lib/index.js",
      "package/lib/lib/index.d.ts",
      "package/lib/lib/SocketProvider.js",
      "package/lib/server/index.js",
      "package/lib/server/index.d.ts",
      "package/lib/generated/broadcast.js",
      "package/lib/generated/events.js",
      "package/lib/generated/events.d.ts",
      "package/lib/generated/openapi.d.ts",
      "package/lib/kinrt.css",
    ]) {
      expect(entries).toContain(want);
    }
    const unwanted = entries.filter((e) => /\.test\.|\.test-d\.|\/test\/|^package\/src\/|^package\/dist\/|\.go$|\.tsx?$/.test(e) && !e.endsWith(".d.ts"));
    expect(unwanted).toEqual([]);
  });

  it("is publishable: not private, an exports map, react as a peer", () => {
    const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
    expect(pkg.private).toBeUndefined();
    expect(pkg.type).toBe("module");
    expect(Object.keys(pkg.exports)).toEqual(expect.arrayContaining([".", "./server", "./styles.css", "./package.json"]));
    expect(pkg.peerDependencies).toEqual({ react: ">=18", "react-dom": ">=18" });
    expect(pkg.dependencies["socket.io-client"]).toMatch(/^\^4\./);
    expect(pkg.dependencies.react).toBeUndefined();
    expect(pkg.sideEffects).toEqual(["*.css"]);
    // MIT, and the license text is the repository's own, not a copy that drifted.
    expect(pkg.license).toBe("MIT");
    expect(readFileSync(join(pkgDir, "LICENSE"), "utf8")).toBe(readFileSync(join(web, "..", "LICENSE"), "utf8"));
  });

  it('starts the client entry with "use client", and not the server entry', () => {
    const client = readFileSync(join(pkgDir, "lib", "lib", "index.js"), "utf8");
    expect(client.split("\n")[0]).toBe('"use client";');
    for (const f of entries.filter((e) => /^package\/lib\/(server|generated)\/.*\.js$/.test(e))) {
      const text = readFileSync(join(pkgDir, f.slice("package/".length)), "utf8");
      expect(text, f).not.toMatch(/^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*["']use client["']/);
      expect(text, f).not.toMatch(/from "react/);
    }
  });

  it("imports the server entry in plain Node, with nothing else installed", () => {
    // A directory outside web/, so that no node_modules is reachable: the
    // server entry must need nothing but Node.
    const bare = mkdtempSync(join(tmpdir(), "kinrt-server-"));
    try {
      execFileSync("tar", ["-xzf", join(tmp, readdirSync(tmp).find((f) => f.endsWith(".tgz"))), "-C", bare]);
      mkdirSync(join(bare, "node_modules", "@kin-comms"), { recursive: true });
      renameSync(join(bare, "package"), join(bare, "node_modules", "@kin-comms", "kinrt-web"));
      writeFileSync(
        join(bare, "check.mjs"),
        `import * as s from "@kin-comms/kinrt-web/server";
const kin = s.createKinrtServer({ url: "http://127.0.0.1:1", apiKey: "k", timeoutMs: 2000 });
let kind = "";
try { await kin.broadcastSystemNotification({ level: "info", message: "m", target: { kind: "all" } }); } catch (e) { kind = e instanceof s.KinrtError ? e.kind : String(e); }
const token = s.getSessionToken(new Request("http://x", { headers: { cookie: "next-auth.session-token.0=a; next-auth.session-token.1=b" } }));
console.log(JSON.stringify({ names: Object.keys(s).filter((k) => k.startsWith("broadcast")).length, kind, token }));
`,
      );
      const out = JSON.parse(execFileSync(process.execPath, ["check.mjs"], { cwd: bare, encoding: "utf8" }));
      // broadcast + 17 broadcastX.
      expect(out).toEqual({ names: 18, kind: "network", token: "ab" });
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  }, 60_000);

  it("imports in Node through the exports map", () => {
    writeFileSync(
      join(tmp, "check.mjs"),
      `import * as client from "@kin-comms/kinrt-web";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const css = require.resolve("@kin-comms/kinrt-web/styles.css");
console.log(JSON.stringify({ client: Object.keys(client).sort(), names: client.EVENT_NAMES.length, css }));
`,
    );
    const out = JSON.parse(execFileSync(process.execPath, ["check.mjs"], { cwd: tmp, encoding: "utf8" }));
    expect(out.client).toEqual(
      expect.arrayContaining(["SocketProvider", "useSocket", "RealtimeNotifications", "ActivityFeed", "PresenceIndicator", "TeamPresence", "useVoicemails", "useMessages", "useTaskRouter", "useStats", "createApi"]),
    );
    expect(out.names).toBe(17);
    expect(out.css).toBe(join(pkgDir, "lib", "kinrt.css"));
  }, 60_000);

  it("type-checks in a consumer under moduleResolution nodenext", () => {
    writeFileSync(join(tmp, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
    writeFileSync(
      join(tmp, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          lib: ["ES2022", "DOM"],
          jsx: "react-jsx",
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: [],
          typeRoots: [join(web, "node_modules", "@types")],
        },
        files: ["consumer.tsx"],
      }),
    );
    writeFileSync(
      join(tmp, "consumer.tsx"),
      `import { SocketProvider, useSocket, EVENT_NAMES, type VoicemailCreated } from "@kin-comms/kinrt-web";
import { broadcastSystemNotification, createKinrtServer, getSessionToken, KinrtError } from "@kin-comms/kinrt-web/server";
const n: 17 = EVENT_NAMES.length;
export async function POST(req: Request): Promise<string | null> {
  const id: string = await broadcastSystemNotification({ level: "info", message: "m", target: { kind: "role", value: "agent" } });
  // @ts-expect-error: a department notification names the department
  await createKinrtServer().broadcastSystemNotification({ level: "info", message: "m", target: { kind: "department" } });
  try { await createKinrtServer({ url: "http://k" }).broadcast({ type: "call_incoming", data: { callSid: "CA1", from: "+1", to: "+2" } }); }
  catch (e) { if (e instanceof KinrtError && e.kind === "invalid") return e.message; }
  return getSessionToken(req) ?? id;
}
export function Listener() {
  const { on } = useSocket();
  on("voicemail_created", (v: VoicemailCreated) => v.voicemailId);
  // @ts-expect-error: the payload of voicemail_created has no such field
  on("voicemail_created", (v) => v.nope);
  return <SocketProvider url="http://localhost:3000">{n}</SocketProvider>;
}
`,
    );
    execFileSync(process.execPath, [join(web, "node_modules", "typescript", "bin", "tsc"), "-p", tmp], { cwd: tmp, encoding: "utf8" });
  }, 120_000);
});
