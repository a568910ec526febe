"use client";

import { useMe, useVoicemails, VOICEMAIL_STATUS_LABEL } from "@kin-comms/kinrt-web";
import type { VoicemailStatus } from "@kin-comms/kinrt-web";
import { useState } from "react";

const FILTERS: { value: "" | VoicemailStatus; label: string }[] = [
  { value: "", label: "All" },
  { value: "new", label: "New" },
  { value: "listened", label: "Listened" },
  { value: "archived", label: "Archived" },
];

/** The department's voicemails, live; "Mark listened" is kinrt's PATCH /api/voicemails/{id}. */
export function VoicemailList() {
  const [status, setStatus] = useState<"" | VoicemailStatus>("");
  const { me } = useMe();
  const vm = useVoicemails({ status: status || undefined, myUserId: me?.userId ?? null });
  return (
    <section className="app-card">
      <div className="app-toolbar">
        <h1>Voicemails</h1>
        <label>
          Status{" "}
          <select value={status} onChange={(e) => setStatus(e.target.value as "" | VoicemailStatus)}>
            {FILTERS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      {vm.error && <p className="app-error">Could not load voicemails: {vm.error}</p>}
      {vm.actionError && (
        <p className="app-error" role="alert">
          {vm.actionError} <button onClick={vm.clearActionError}>Dismiss</button>
        </p>
      )}
      {vm.loaded && vm.voicemails.length === 0 && <p className="app-muted">No voicemails.</p>}
      <ul className="app-list" data-testid="voicemails" data-loaded={vm.loaded ? "true" : "false"}>
        {vm.voicemails.map((v) => (
          <li key={v.id} className="app-row" data-testid="voicemail" data-status={v.status}>
            <div>
              <strong>{v.callerName || v.from}</strong> <span className="app-muted">{v.from}</span>
              <div className="app-muted">
                {v.department} · {v.durationSeconds}s · {new Date(v.createdAt).toLocaleString()}
                {v.assignedTo ? ` · assigned to ${v.assignedTo}` : ""}
              </div>
            </div>
            <span className={`app-badge app-badge--${v.status}`}>{VOICEMAIL_STATUS_LABEL[v.status]}</span>
            {v.status === "new" && (
              <button disabled={vm.pending.includes(v.id)} onClick={() => void vm.markListened(v.id).catch(() => {})}>
                Mark listened
              </button>
            )}
          </li>
        ))}
      </ul>
      {vm.hasMore && (
        <button disabled={vm.loadingMore} onClick={() => void vm.loadMore()}>
          Load more
        </button>
      )}
    </section>
  );
}
