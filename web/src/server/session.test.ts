import { describe, expect, it } from "vitest";
import { getSessionToken, parseCookieHeader, SESSION_COOKIE_NAMES } from "./index";

const req = (cookie?: string) => new Request("http://app.test/api/socket-token", cookie === undefined ? {} : { headers: { cookie } });
const store = (cookies: Record<string, string>) => ({ getAll: () => Object.entries(cookies).map(([name, value]) => ({ name, value })) });

describe("getSessionToken", () => {
  it("reads the names kinrt reads, in its order", () => {
    expect(SESSION_COOKIE_NAMES).toEqual([
      "__Secure-next-auth.session-token",
      "next-auth.session-token",
      "__Secure-authjs.session-token",
      "authjs.session-token",
    ]);
    const tests: { name: string; cookie: string | undefined; want: string | null }[] = [
      { name: "no Cookie header", cookie: undefined, want: null },
      { name: "other cookies only", cookie: "theme=dark; csrf=abc", want: null },
      { name: "next-auth v4", cookie: "theme=dark; next-auth.session-token=v4tok", want: "v4tok" },
      { name: "v4 secure first", cookie: "next-auth.session-token=plain; __Secure-next-auth.session-token=secure", want: "secure" },
      { name: "Auth.js v5", cookie: "authjs.session-token=v5tok", want: "v5tok" },
      { name: "Auth.js v5 secure", cookie: "__Secure-authjs.session-token=v5s", want: "v5s" },
      { name: "v4 before v5", cookie: "authjs.session-token=v5; next-auth.session-token=v4", want: "v4" },
      { name: "an empty cookie (signed out) is skipped", cookie: "next-auth.session-token=; authjs.session-token=v5", want: "v5" },
      { name: "quoted value", cookie: 'next-auth.session-token="q.tok"', want: "q.tok" },
      { name: "chunks joined in numeric order", cookie: "next-auth.session-token.1=BB; next-auth.session-token.0=AA; next-auth.session-token.2=CC", want: "AABBCC" },
      {
        name: "ten chunks and more: .10 after .9",
        cookie: Array.from({ length: 11 }, (_, i) => `authjs.session-token.${10 - i}=${String.fromCharCode(97 + 10 - i)}`).join("; "),
        want: "abcdefghijk",
      },
      { name: "the whole cookie wins over chunks", cookie: "next-auth.session-token.0=A; next-auth.session-token=WHOLE", want: "WHOLE" },
      { name: "a gap in the chunks is no token", cookie: "next-auth.session-token.0=A; next-auth.session-token.2=C", want: null },
      { name: "duplicated chunk is no token", cookie: "next-auth.session-token.0=A; next-auth.session-token.0=B", want: null },
      { name: "chunks not starting at 0 are no token", cookie: "next-auth.session-token.1=B", want: null },
      { name: "suffixes next-auth does not write are ignored", cookie: "next-auth.session-token.01=X; next-auth.session-token.x=Y; next-auth.session-token.0=A", want: "A" },
      { name: "a prefix of the name is not the name", cookie: "next-auth.session-tokenx=X; xnext-auth.session-token=Y", want: null },
    ];
    for (const tt of tests) {
      expect(getSessionToken(req(tt.cookie)), tt.name).toBe(tt.want);
    }
  });

  it("reads Next's cookie store, and a promise of one", async () => {
    expect(getSessionToken(store({ "authjs.session-token.0": "ab", "authjs.session-token.1": "cd" }))).toBe("abcd");
    expect(getSessionToken(store({}))).toBeNull();
    await expect(getSessionToken(Promise.resolve(store({ "next-auth.session-token": "t" })))).resolves.toBe("t");
  });

  it("reads a NextRequest-like object by its Cookie header", () => {
    const headers = new Headers({ cookie: "__Secure-authjs.session-token=s" });
    expect(getSessionToken({ headers })).toBe("s");
  });

  it("refuses what has no cookies", () => {
    expect(() => getSessionToken({} as never)).toThrow(TypeError);
  });
});

describe("parseCookieHeader", () => {
  it("splits pairs, trims, keeps = inside values, drops pairs without a name", () => {
    expect(parseCookieHeader(" a=1;b = 2 ; c=x=y; =z; novalue; d=")).toEqual([
      { name: "a", value: "1" },
      { name: "b", value: "2" },
      { name: "c", value: "x=y" },
      { name: "d", value: "" },
    ]);
  });
});
