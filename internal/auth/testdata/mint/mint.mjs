// mint.mjs — test helper for internal/auth.
//
// Makes and checks NextAuth.js v4 / Auth.js v5 session tokens with the real
// packages (next-auth/jwt and @auth/core/jwt), so that the Go verifier is tested
// against tokens it did not make itself, and Go-made tokens are checked by the
// real decoders.
//
// Input: one JSON request on stdin, or a JSON array of requests (batch).
//
//   {"mode":"encode", "version":"v4"|"v5", "secret":"…" (v5: string or array),
//    "salt":"authjs.session-token" (v5 only, required there), "claims":{…}, "maxAge":seconds}
//   {"mode":"decode", "version":"v4"|"v5", "secret":…, "salt":…, "token":"…"}
//   {"mode":"cookies", "version":"v4"|"v5", "secret":"…", "claims":{…}, "maxAge":seconds,
//    "secure":bool}
//       Encodes the claims, presents the token to the package's own session
//       endpoint (next-auth's NextAuth() API-route handler / @auth/core's Auth())
//       as a session cookie and returns the Set-Cookie it answers with. That is the
//       package's own cookie writer, so a large token comes back chunked
//       (name.0, name.1, …) exactly as a browser would receive it.
//   {"mode":"gettoken", "version":"v4"|"v5", "secret":"…", "cookie":"a=b; c=d",
//    "authorization":"Bearer …", "secure":bool}
//       Runs the package's getToken() on a request with those headers.
//
// Output for a single request: "encode" prints the bare token; other modes print
// a JSON result. For a batch: a JSON array of results
//   {"ok":true, "token"|"payload"|"cookies"|"cookieHeader": …} or {"ok":false,"error":"…"}.
// Nothing else is written to stdout (the packages' loggers are silenced).

import { createRequire } from "node:module";
import * as v5jwt from "@auth/core/jwt";
import { Auth } from "@auth/core";

const require = createRequire(import.meta.url);
const v4jwt = require("next-auth/jwt");
const NextAuth = require("next-auth").default;

const silent = { error() {}, warn() {}, debug() {} };

function need(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function encode(req) {
  need(typeof req.claims === "object" && req.claims !== null, "claims must be an object");
  if (req.version === "v4") {
    return v4jwt.encode({ token: req.claims, secret: req.secret, maxAge: req.maxAge });
  }
  need(req.version === "v5", "version must be v4 or v5");
  need(typeof req.salt === "string", "v5 needs salt (the cookie name)");
  return v5jwt.encode({ token: req.claims, secret: req.secret, salt: req.salt, maxAge: req.maxAge });
}

async function decode(req) {
  if (req.version === "v4") {
    return v4jwt.decode({ token: req.token, secret: req.secret });
  }
  need(req.version === "v5", "version must be v4 or v5");
  need(typeof req.salt === "string", "v5 needs salt (the cookie name)");
  return v5jwt.decode({ token: req.token, secret: req.secret, salt: req.salt });
}

function parseSetCookie(lines) {
  const out = [];
  for (const line of lines) {
    const first = line.split(";")[0];
    const eq = first.indexOf("=");
    const name = first.slice(0, eq).trim();
    const value = decodeURIComponent(first.slice(eq + 1).trim());
    out.push({ name, value, maxAge0: /;\s*Max-Age=0/i.test(line) });
  }
  return out;
}

// cookies: let the package's own session endpoint write (and chunk) the cookie.
async function cookies(req) {
  const secure = !!req.secure;
  if (req.version === "v4") {
    const name = secure ? "__Secure-next-auth.session-token" : "next-auth.session-token";
    const token = await v4jwt.encode({ token: req.claims, secret: req.secret, maxAge: req.maxAge });
    process.env.NEXTAUTH_URL = secure ? "https://localhost:3000" : "http://localhost:3000";
    const headers = {};
    const fakeReq = {
      query: { nextauth: ["session"] },
      method: "GET",
      cookies: { [name]: token },
      headers: { host: "localhost:3000" },
      body: {},
    };
    const fakeRes = {
      status() { return this; },
      setHeader(k, v) { headers[k.toLowerCase()] = v; return this; },
      getHeader(k) { return headers[k.toLowerCase()]; },
      send() { return this; },
      json() { return this; },
      end() { return this; },
    };
    await NextAuth(fakeReq, fakeRes, {
      providers: [],
      secret: req.secret,
      session: { strategy: "jwt", maxAge: req.maxAge },
      useSecureCookies: secure,
      logger: silent,
    });
    let set = headers["set-cookie"] ?? [];
    if (!Array.isArray(set)) set = [set];
    return parseSetCookie(set);
  }
  need(req.version === "v5", "version must be v4 or v5");
  const name = secure ? "__Secure-authjs.session-token" : "authjs.session-token";
  const token = await v5jwt.encode({ token: req.claims, secret: req.secret, salt: name, maxAge: req.maxAge });
  const origin = secure ? "https://localhost:3000" : "http://localhost:3000";
  const res = await Auth(
    new Request(`${origin}/auth/session`, { headers: { cookie: `${name}=${token}` } }),
    {
      providers: [],
      secret: req.secret,
      trustHost: true,
      basePath: "/auth",
      session: { strategy: "jwt", maxAge: req.maxAge },
      useSecureCookies: secure,
      logger: silent,
    },
  );
  return parseSetCookie(res.headers.getSetCookie());
}

async function getToken(req) {
  const headers = {};
  if (req.cookie) headers.cookie = req.cookie;
  if (req.authorization) headers.authorization = req.authorization;
  if (req.version === "v4") {
    const cookieMap = {};
    for (const part of (req.cookie ?? "").split(";")) {
      const eq = part.indexOf("=");
      if (eq > 0) cookieMap[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
    return v4jwt.getToken({ req: { headers, cookies: cookieMap }, secret: req.secret, secureCookie: !!req.secure, logger: silent });
  }
  need(req.version === "v5", "version must be v4 or v5");
  return v5jwt.getToken({ req: { headers }, secret: req.secret, secureCookie: !!req.secure, logger: silent });
}

async function handle(req) {
  try {
    switch (req.mode) {
      case "encode":
        return { ok: true, token: await encode(req) };
      case "decode": {
        const payload = await decode(req);
        return payload ? { ok: true, payload } : { ok: false, error: "decode returned null" };
      }
      case "cookies": {
        const list = (await cookies(req)).filter((c) => !c.maxAge0 && c.value !== "");
        return {
          ok: true,
          cookies: list.map(({ name, value }) => ({ name, value })),
          cookieHeader: list.map((c) => `${c.name}=${c.value}`).join("; "),
        };
      }
      case "gettoken": {
        const payload = await getToken(req);
        return payload ? { ok: true, payload } : { ok: false, error: "getToken returned null" };
      }
      default:
        return { ok: false, error: `unknown mode ${JSON.stringify(req.mode)}` };
    }
  } catch (e) {
    // Error class and message only; never the token or the secret.
    return { ok: false, error: `${e?.name ?? "Error"}: ${e?.code ?? ""} ${e?.message ?? e}` };
  }
}

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString("utf8");
}

const input = JSON.parse(await readStdin());
if (Array.isArray(input)) {
  const results = [];
  for (const req of input) results.push(await handle(req));
  process.stdout.write(JSON.stringify(results) + "\n");
} else {
  const r = await handle(input);
  if (!r.ok) {
    process.stderr.write(`mint.mjs: ${r.error}\n`);
    process.exitCode = 1;
  } else if (input.mode === "encode") {
    process.stdout.write(r.token + "\n");
  } else {
    process.stdout.write(JSON.stringify(r) + "\n");
  }
}
