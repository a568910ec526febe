"use client";

import { RealtimeNotifications, SocketProvider } from "@kin-comms/kinrt-web";
import type { ReactNode } from "react";
import type { KinrtAuth } from "@/lib/kinrt";

/** Asks this app for the signed-in user's session token (token mode). */
async function getToken(): Promise<string> {
  const res = await fetch("/api/kinrt-token", { cache: "no-store" });
  if (!res.ok) throw new Error(`/api/kinrt-token answered ${res.status}`);
  const { token } = (await res.json()) as { token: string };
  return token;
}

/**
 * The app's one socket, at the root of the tree (rendered by the root layout,
 * a server component, which passes what it read from the environment).
 * cookie: kinrt is on this site, the NextAuth session cookie goes with the
 * socket and the REST calls (withCredentials). token: kinrt is on another
 * site; getToken runs before every (re)connection, and the package also
 * sends the token as a Bearer header on its REST calls.
 */
export function KinrtProvider({ url, auth, children }: { url: string; auth: KinrtAuth; children: ReactNode }) {
  return (
    <SocketProvider url={url} apiBaseUrl={url} getToken={auth === "token" ? getToken : undefined}>
      {children}
      <RealtimeNotifications />
    </SocketProvider>
  );
}
