import { broadcastSystemNotification, KinrtError } from "@kin-comms/kinrt-web/server";
import { getServerSession } from "next-auth";
import { type NextRequest, NextResponse } from "next/server";
import { authOptions } from "@/lib/auth";
import { isDepartment } from "@/lib/users";

// A supervisor's announcement to a department, broadcast by kinrt as a
// system_notification: the server side of the package posts it to kinrt's
// POST /api/internal/events with KIN_INTERNAL_API_KEY (KINRT_URL says where).
export const dynamic = "force-dynamic";

const MAX_MESSAGE = 500;

function error(status: number, message: string) {
  return NextResponse.json({ error: message }, { status });
}

function sameOrigin(req: NextRequest): boolean {
  const origin = req.headers.get("origin");
  if (!origin) return false;
  try {
    return new URL(origin).host === req.headers.get("host");
  } catch {
    return false; // "null" and other non-URLs
  }
}

export async function POST(req: NextRequest) {
  // The session cookie is SameSite=Lax; a page of another origin of this site
  // could still post with it: only this app's own pages may announce.
  if (!sameOrigin(req)) return error(403, "cross-origin request refused");

  const session = await getServerSession(authOptions);
  if (!session) return error(401, "not signed in");
  const { role, department: own, name } = session.user;
  if (role !== "supervisor" && role !== "admin") return error(403, "only supervisors and admins may announce");

  let body: unknown;
  try {
    body = await req.json();
  } catch {
    return error(400, "the body must be JSON");
  }
  const { message, department } = (body ?? {}) as { message?: unknown; department?: unknown };
  if (typeof message !== "string" || message.trim() === "") return error(400, "message is required");
  if (message.length > MAX_MESSAGE) return error(400, `message is longer than ${MAX_MESSAGE} characters`);
  if (!isDepartment(department)) return error(400, "department must be sales or support");
  if (role === "supervisor" && department !== own) return error(403, `a supervisor announces to their own department (${own})`);

  try {
    await broadcastSystemNotification({
      level: "info",
      title: `Announcement from ${name ?? "a supervisor"}`,
      message: message.trim(),
      target: { kind: "department", value: department },
    });
  } catch (err) {
    if (err instanceof KinrtError) return error(502, `kinrt refused the announcement: ${err.message}`);
    throw err;
  }
  return NextResponse.json({ sent: true, department }, { status: 202 });
}
