"use client";

import { PresenceIndicator, usePresence } from "@kin-comms/kinrt-web";

/** Who is online (GET /api/presence on kinrt, then user_presence_updated). */
export function Team() {
  const { users, loaded, error } = usePresence();
  return (
    <div>
      <h2>Team</h2>
      {error && <p className="app-error">{error}</p>}
      {!loaded && !error && <p className="app-muted">Loading…</p>}
      <ul className="app-list" data-testid="team">
        {users.map((u) => (
          <li key={u.userId}>
            <PresenceIndicator status={u.status} name={u.name || u.userId} showLabel /> {u.name || u.userId}
          </li>
        ))}
      </ul>
    </div>
  );
}
