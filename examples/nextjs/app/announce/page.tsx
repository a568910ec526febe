import { getServerSession } from "next-auth";
import { AnnounceForm } from "@/components/AnnounceForm";
import { authOptions } from "@/lib/auth";
import { DEPARTMENTS } from "@/lib/users";

export default async function AnnouncePage() {
  const session = await getServerSession(authOptions);
  const user = session?.user;
  if (!user || (user.role !== "supervisor" && user.role !== "admin")) {
    return (
      <section className="app-card">
        <h1>Announce</h1>
        <p className="app-muted">Only supervisors and admins send announcements.</p>
      </section>
    );
  }
  // A supervisor announces to their own department, an admin to any.
  const departments = user.role === "admin" ? [...DEPARTMENTS] : DEPARTMENTS.filter((d) => d === user.department);
  return <AnnounceForm departments={departments} />;
}
