import "@kin-comms/kinrt-web/styles.css";
import "./globals.css";
import type { Metadata } from "next";
import { getServerSession } from "next-auth";
import { connection } from "next/server";
import type { ReactNode } from "react";
import { Header } from "@/components/Header";
import { KinrtProvider } from "@/components/KinrtProvider";
import { authOptions } from "@/lib/auth";
import { kinrtSettings } from "@/lib/kinrt";

export const metadata: Metadata = {
  title: "KIN Realtime · Next.js example",
  description: "A Next.js + NextAuth app on KIN Realtime",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  await connection(); // rendered per request: kinrt's settings are read now, not at build time
  const session = await getServerSession(authOptions);
  const kinrt = kinrtSettings();
  return (
    <html lang="en">
      <body>
        {session ? (
          <KinrtProvider url={kinrt.url} auth={kinrt.auth}>
            <Header user={session.user} auth={kinrt.auth} />
            <main className="app-main">{children}</main>
          </KinrtProvider>
        ) : (
          <main className="app-main app-signedout">
            <h1>KIN Realtime · Next.js example</h1>
            <p>Sign in as one of the demo users to see calls, voicemails and messages live.</p>
            <p>
              <a className="app-button" href="/api/auth/signin">
                Sign in
              </a>
            </p>
          </main>
        )}
      </body>
    </html>
  );
}
