"use client";

import { PresenceIndicator, SETTABLE_STATUSES, STATUS_LABEL, useMe, usePresence, useSocket } from "@kin-comms/kinrt-web";
import type { SettableStatus } from "@kin-comms/kinrt-web";
import Link from "next/link";
import { usePathname } from "next/navigation";
import type { Session } from "next-auth";
import type { KinrtAuth } from "@/lib/kinrt";

const LINKS = [
  { href: "/", label: "Overview" },
  { href: "/voicemails", label: "Voicemails" },
  { href: "/messages", label: "Messages" },
  { href: "/tasks", label: "Tasks" },
  { href: "/announce", label: "Announce" },
];

export function Header({ user, auth }: { user: Session["user"]; auth: KinrtAuth }) {
  const pathname = usePathname();
  const { isConnected, state, error } = useSocket();
  const { me } = useMe(); // GET /api/me on kinrt: who kinrt thinks I am
  const presence = usePresence({ myUserId: me?.userId ?? null });
  return (
    <header className="app-header">
      <strong className="app-brand">KIN</strong>
      <nav className="app-nav" aria-label="Sections">
        {LINKS.map((l) => (
          <Link key={l.href} href={l.href} aria-current={pathname === l.href ? "page" : undefined}>
            {l.label}
          </Link>
        ))}
      </nav>
      <span className={`app-conn app-conn--${state}`} data-testid="connection" title={error ?? undefined}>
        {isConnected ? "Live" : state === "error" ? `Offline: ${error ?? "error"}` : "Connecting…"}
      </span>
      <small className="app-mode">{auth} auth</small>
      <span className="app-user">
        <PresenceIndicator status={presence.myStatus} name={user.name ?? user.id} />
        <span data-testid="me">
          {user.name} · {user.role}
          {user.department ? ` · ${user.department}` : ""}
        </span>
        <select
          aria-label="My status"
          value={presence.myStatus && presence.myStatus !== "offline" ? presence.myStatus : "online"}
          disabled={presence.saving || !me}
          onChange={(e) => void presence.setMyStatus(e.target.value as SettableStatus).catch(() => {})}
        >
          {SETTABLE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABEL[s]}
            </option>
          ))}
        </select>
      </span>
      <a href="/api/auth/signout">Sign out</a>
    </header>
  );
}
