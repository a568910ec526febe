import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { formatTime } from "../lib/format";
import { useRouteId } from "./useRoute";
import { useScrollToTarget, useShowDetail } from "./useTarget";
import { useVoicemails } from "../lib/useVoicemails";
import { VOICEMAIL_STATUSES, VOICEMAIL_STATUS_LABEL, type Voicemail, type VoicemailStatus } from "../lib/voicemails";

const who = (v: Voicemail) => v.callerName || v.from || "Unknown caller";
const duration = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;

/** Voicemails: a status filter, the list, and the selected one's player and actions. */
export function VoicemailsPage({ myUserId }: { myUserId: string | null }) {
  const [status, setStatus] = useState<VoicemailStatus | "">("new");
  const [mine, setMine] = useState(false);
  const vms = useVoicemails({ status: status || undefined, assignee: mine ? "me" : undefined, myUserId });
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = vms.voicemails.find((v) => v.id === selectedId) ?? null;
  const statusId = useId();
  const mineId = useId();
  // A link to one voicemail (#/voicemails/{id}) selects it, showing all
  // statuses when the filter hides it, and scrolls to it.
  const targetId = useRouteId("voicemails");
  const found = vms.voicemails.some((v) => v.id === targetId);
  useEffect(() => {
    if (targetId) setSelectedId(targetId);
  }, [targetId]);
  const widened = useRef<string | null>(null);
  useEffect(() => {
    // Decided once per link, on the first list loaded: a voicemail that
    // later leaves the filter (marked listened) leaves the list as usual.
    if (!targetId || !vms.loaded || widened.current === targetId) return;
    widened.current = targetId;
    if (!found && (status !== "" || mine)) {
      setStatus("");
      setMine(false);
    }
  }, [targetId, vms.loaded, found, status, mine]);
  const page = useRef<HTMLElement>(null);
  useScrollToTarget(page, targetId, found);
  useShowDetail(page, selected?.id ?? null);

  return (
    <section className="dash-page" aria-labelledby="vm-title" ref={page}>
      <div className="dash-section-head">
        <h2 id="vm-title">Voicemails</h2>
        <div className="dash-filters">
          <label htmlFor={statusId}>Status</label>
          <select id={statusId} value={status} onChange={(e) => setStatus(e.target.value as VoicemailStatus | "")}>
            <option value="">All</option>
            {VOICEMAIL_STATUSES.map((s) => (
              <option key={s} value={s}>
                {VOICEMAIL_STATUS_LABEL[s]}
              </option>
            ))}
          </select>
          <input id={mineId} type="checkbox" checked={mine} onChange={(e) => setMine(e.target.checked)} disabled={!myUserId} />
          <label htmlFor={mineId}>Assigned to me</label>
        </div>
      </div>
      {vms.actionError && (
        <p role="alert" className="dash-error">
          {vms.actionError}{" "}
          <button type="button" className="dash-link-button" onClick={vms.clearActionError}>
            Dismiss
          </button>
        </p>
      )}
      <div className="dash-split">
        <div className="dash-panel dash-split__list">
          {vms.error && (
            <p role="note" className="dash-error">
              Could not load voicemails: {vms.error}
            </p>
          )}
          {!vms.loaded && !vms.error && <p className="dash-muted">Loading voicemails…</p>}
          {vms.loaded && vms.voicemails.length === 0 && <p className="dash-muted">No voicemails.</p>}
          {targetId && vms.loaded && !found && status === "" && (
            <p className="dash-muted" role="note">
              The linked voicemail is not in this list (an older page, or not yours to see).
            </p>
          )}
          <ul className="dash-rows" aria-label="Voicemails">
            {vms.voicemails.map((v) => (
              <li
                key={v.id}
                className={`dash-row${v.id === selectedId ? " dash-row--selected" : ""}${v.id === targetId ? " dash-row--target" : ""}`}
                data-id={v.id}
              >
                <button
                  type="button"
                  className="dash-row__main"
                  aria-pressed={v.id === selectedId}
                  onClick={() => setSelectedId(v.id === selectedId ? null : v.id)}
                >
                  <span className="dash-row__title">{who(v)}</span>
                  <span className="dash-row__meta">
                    {formatTime(v.createdAt)} · {duration(v.durationSeconds)}
                    {v.assignedTo ? ` · ${v.assignedTo === myUserId ? "assigned to you" : `assigned to ${v.assignedTo}`}` : ""}
                  </span>
                </button>
                <span className={`dash-badge dash-badge--${v.status}`}>{VOICEMAIL_STATUS_LABEL[v.status]}</span>
              </li>
            ))}
          </ul>
          {vms.hasMore && (
            <button type="button" className="dash-button dash-button--quiet" onClick={() => void vms.loadMore()} disabled={vms.loadingMore}>
              {vms.loadingMore ? "Loading…" : "Load more"}
            </button>
          )}
        </div>
        <div className="dash-panel dash-split__detail">
          {selected ? (
            <VoicemailDetail key={selected.id} v={selected} myUserId={myUserId} vms={vms} />
          ) : (
            <p className="dash-muted">Select a voicemail to play it.</p>
          )}
        </div>
      </div>
    </section>
  );
}

function VoicemailDetail({
  v,
  myUserId,
  vms,
}: {
  v: Voicemail;
  myUserId: string | null;
  vms: ReturnType<typeof useVoicemails>;
}) {
  const [notes, setNotes] = useState(v.notes);
  const busy = vms.pending.includes(v.id);
  const notesId = useId();
  const ignore = () => {}; // errors show in the page's alert
  const saveNotes = (e: FormEvent) => {
    e.preventDefault();
    vms.setNotes(v.id, notes).catch(ignore);
  };
  return (
    <article className="dash-detail" aria-labelledby={`vm-${v.id}`}>
      <h3 id={`vm-${v.id}`}>{who(v)}</h3>
      <p className="dash-muted">
        From {v.from} to {v.to} · {formatTime(v.createdAt)} · {duration(v.durationSeconds)} · {VOICEMAIL_STATUS_LABEL[v.status]}
      </p>
      <audio className="dash-audio" controls preload="none" src={v.mediaUrl} aria-label={`Voicemail from ${who(v)}`}>
        <a href={v.mediaUrl}>Download the recording</a>
      </audio>
      {v.transcription && <blockquote className="dash-quote">{v.transcription}</blockquote>}
      <div className="dash-actions">
        {v.status === "new" && (
          <button type="button" className="dash-button" disabled={busy} onClick={() => vms.markListened(v.id).catch(ignore)}>
            Mark listened
          </button>
        )}
        {v.assignedTo !== myUserId ? (
          <button type="button" className="dash-button dash-button--quiet" disabled={busy || !myUserId} onClick={() => vms.assignToMe(v.id).catch(ignore)}>
            Assign to me
          </button>
        ) : (
          <button type="button" className="dash-button dash-button--quiet" disabled={busy} onClick={() => vms.assign(v.id, null).catch(ignore)}>
            Unassign
          </button>
        )}
        {v.status !== "archived" && (
          <button type="button" className="dash-button dash-button--quiet" disabled={busy} onClick={() => vms.update(v.id, { status: "archived" }).catch(ignore)}>
            Archive
          </button>
        )}
      </div>
      <form className="dash-notes" onSubmit={saveNotes}>
        <label htmlFor={notesId}>Notes</label>
        <textarea id={notesId} value={notes} rows={3} maxLength={10000} onChange={(e) => setNotes(e.target.value)} />
        <button type="submit" className="dash-button dash-button--small" disabled={busy || notes === v.notes}>
          Save notes
        </button>
      </form>
    </article>
  );
}
