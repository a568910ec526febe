// Where kinrt is, read when a page or route is requested (not at build time:
// NEXT_PUBLIC_* variables would be inlined by `next build`), so one build
// serves either setting.

export type KinrtAuth = "cookie" | "token";

export interface KinrtSettings {
  /** kinrt's origin as the browser reaches it (socket and REST). */
  url: string;
  /** cookie: kinrt is on this app's site and the session cookie reaches it; token: it is not. */
  auth: KinrtAuth;
}

export function kinrtSettings(): KinrtSettings {
  const url = (process.env.KINRT_URL || process.env.NEXT_PUBLIC_SOCKET_IO_URL || "http://localhost:3301").replace(/\/+$/, "");
  const auth: KinrtAuth = process.env.KINRT_AUTH === "token" ? "token" : "cookie";
  return { url, auth };
}
