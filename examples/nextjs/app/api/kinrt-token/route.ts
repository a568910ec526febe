import { getSessionToken } from "@kin-comms/kinrt-web/server";
import { getServerSession } from "next-auth";
import { type NextRequest, NextResponse } from "next/server";
import { authOptions } from "@/lib/auth";

// Token mode (kinrt on another site, where the HttpOnly session cookie does
// not go): the signed-in page asks for its own session token here and sends
// it to kinrt, as `auth: {token}` on the socket and as a Bearer header on the
// REST calls. Only this app's own pages can read the answer (no CORS).
export const dynamic = "force-dynamic";

const noStore = { "cache-control": "no-store" };

export async function GET(req: NextRequest) {
  // The session must be valid (not only present) before its token is handed out.
  const session = await getServerSession(authOptions);
  const token = session ? getSessionToken(req) : null;
  if (!token) return NextResponse.json({ error: "not signed in" }, { status: 401, headers: noStore });
  return NextResponse.json({ token }, { headers: noStore });
}
