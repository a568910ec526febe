"use client";

import { useSocketEvent } from "@kin-comms/kinrt-web";
import type { SystemNotification } from "@kin-comms/kinrt-web";
import { useState } from "react";

/** Every announcement (system_notification) this page received, in order; toasts go, these stay. */
export function Announcements() {
  const [items, setItems] = useState<SystemNotification[]>([]);
  useSocketEvent("system_notification", (n) => {
    setItems((list) => (list.some((x) => x.id === n.id) ? list : [...list, n]));
  });
  return (
    <div>
      <h2>Announcements</h2>
      {items.length === 0 ? (
        <p className="app-muted">None yet.</p>
      ) : (
        <ol className="app-announcements" data-testid="announcements">
          {items.map((n) => (
            <li key={n.id}>
              <strong>{n.title}</strong> {n.message}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
