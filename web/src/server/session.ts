// The raw NextAuth / Auth.js session token of a request, for a page whose
// socket and REST calls go to a kinrt service on another site (where the
// session cookie does not reach it): a route handler hands the token to the
// page, which passes it to SocketProvider's getToken.

/** Something with the cookies of a request: a Request/NextRequest, or Next's cookie store (`await cookies()`). */
export type SessionTokenSource =
  | { headers: { get(name: string): string | null } }
  | { getAll(): ReadonlyArray<{ name: string; value: string }> };

/**
 * The session cookie names kinrt reads, in the order it reads them
 * (internal/auth): next-auth v4 over https and http, then Auth.js v5.
 */
export const SESSION_COOKIE_NAMES = [
  "__Secure-next-auth.session-token",
  "next-auth.session-token",
  "__Secure-authjs.session-token",
  "authjs.session-token",
] as const;

/**
 * Returns the raw session token of a request, or null when it has none.
 *
 * It reads the cookies kinrt reads, in its order (SESSION_COOKIE_NAMES): a
 * cookie is used whole when present under its exact name, else its chunks
 * name.0, name.1, … (as both libraries write a token larger than a cookie)
 * are joined in numeric order; chunks that are not numbered 0, 1, 2, …
 * without a gap are not a token. Empty cookies (what signing out leaves) are
 * ignored. Pass a Request (route handlers, middleware) or Next's cookie store
 * (`getSessionToken(await cookies())`); a promise of a cookie store gives a
 * promise.
 *
 * The token is the user's credential: return it only to that user (a route
 * handler of the same site, never cached) and never log it.
 */
export function getSessionToken(source: SessionTokenSource): string | null;
export function getSessionToken(source: PromiseLike<SessionTokenSource>): Promise<string | null>;
export function getSessionToken(
  source: SessionTokenSource | PromiseLike<SessionTokenSource>,
): string | null | Promise<string | null> {
  if (isPromiseLike(source)) return Promise.resolve(source).then((s) => getSessionToken(s));
  return tokenFromCookies(cookieList(source));
}

function isPromiseLike(x: unknown): x is PromiseLike<SessionTokenSource> {
  return x !== null && typeof x === "object" && typeof (x as { then?: unknown }).then === "function";
}

type Cookie = { name: string; value: string };

function cookieList(source: SessionTokenSource): Cookie[] {
  if ("getAll" in source && typeof source.getAll === "function") {
    return source.getAll().map((c) => ({ name: c.name, value: c.value }));
  }
  if ("headers" in source && source.headers && typeof source.headers.get === "function") {
    return parseCookieHeader(source.headers.get("cookie") ?? "");
  }
  throw new TypeError("getSessionToken: pass a Request or a cookie store (await cookies())");
}

/** Parses a Cookie header as Go's net/http does: name=value pairs split on ";", surrounding quotes removed, values not decoded. */
export function parseCookieHeader(header: string): Cookie[] {
  const out: Cookie[] = [];
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name !== "") out.push({ name, value });
  }
  return out;
}

/** Chunk suffixes as next-auth writes them: decimal, no sign, no leading zero. */
const CHUNK = /^(0|[1-9][0-9]{0,5})$/;

function tokenFromCookies(cookies: Cookie[]): string | null {
  for (const name of SESSION_COOKIE_NAMES) {
    const whole = cookies.find((c) => c.name === name && c.value !== "");
    if (whole) return whole.value;
    const chunks: { n: number; value: string }[] = [];
    for (const c of cookies) {
      if (!c.name.startsWith(name + ".") || c.value === "") continue;
      const suffix = c.name.slice(name.length + 1);
      if (!CHUNK.test(suffix)) continue;
      chunks.push({ n: Number(suffix), value: c.value });
    }
    if (chunks.length === 0) continue;
    chunks.sort((a, b) => a.n - b.n);
    // kinrt refuses chunks with a gap or a duplicate; so does this.
    if (chunks.some((c, i) => c.n !== i)) return null;
    return chunks.map((c) => c.value).join("");
  }
  return null;
}
