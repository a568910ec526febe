import { useId, useRef, type ChangeEvent } from "react";
import { formatAgo } from "../lib/format";
import { activityWord, taskNumber, taskTitle } from "../lib/labels";
import { useRouteId } from "./useRoute";
import { useScrollToTarget } from "./useTarget";
import type { Offer, Worker } from "../lib/taskrouter";
import { useTaskRouter } from "../lib/useTaskRouter";

const STATUS_TEXT: Record<string, string> = { available: "Available", busy: "Busy", offline: "Offline" };
const statusText = (s: string) => STATUS_TEXT[s] ?? s;
const statusClass = (s: string) => (s in STATUS_TEXT ? s : "offline");

/** TaskRouter: my activity, my offers (accept/reject), the workers board and open tasks. */
export function TaskRouterPage({ myUserId }: { myUserId: string | null }) {
  const tr = useTaskRouter({ myUserId });
  // A link to a task or a worker (#/taskrouter/{sid}) scrolls to it and marks it.
  const targetId = useRouteId("taskrouter");
  const target = (id: string) => (id === targetId ? " dash-row--target" : "");
  const found =
    targetId !== null &&
    (tr.tasks.some((t) => t.sid === targetId) || tr.workers.some((w) => w.sid === targetId) || tr.offers.some((o) => o.taskSid === targetId));
  const page = useRef<HTMLElement>(null);
  useScrollToTarget(page, targetId, found);
  return (
    <section className="dash-page" aria-labelledby="tr-title" ref={page}>
      <div className="dash-section-head">
        <h2 id="tr-title">TaskRouter</h2>
        <MyActivity tr={tr} />
      </div>
      {tr.actionError && (
        <p role="alert" className="dash-error">
          {tr.actionError}{" "}
          <button type="button" className="dash-link-button" onClick={tr.clearActionError}>
            Dismiss
          </button>
        </p>
      )}
      <div className="dash-panel">
        <h3>My offers</h3>
        {tr.offers.length === 0 ? (
          <p className="dash-muted">No offers waiting.</p>
        ) : (
          <ul className="dash-rows" aria-label="My offers">
            {tr.offers.map((o) => (
              <OfferRow key={o.reservationSid} o={o} tr={tr} targetClass={target(o.taskSid)} />
            ))}
          </ul>
        )}
      </div>
      <div className="dash-columns">
        <div className="dash-panel">
          <h3>Workers</h3>
          {tr.workersError && (
            <p role="note" className="dash-error">
              Could not load workers: {tr.workersError}
            </p>
          )}
          {!tr.workersLoaded && !tr.workersError && <p className="dash-muted">Loading workers…</p>}
          {tr.workersLoaded && tr.workers.length === 0 && <p className="dash-muted">No workers.</p>}
          <ul className="dash-board" aria-label="Workers">
            {tr.workers.map((w) => (
              <WorkerCard key={w.sid} w={w} isMe={w.sid === tr.me?.sid} targetClass={target(w.sid)} />
            ))}
          </ul>
        </div>
        <div className="dash-panel">
          <h3>Open tasks</h3>
          {tr.tasksError && (
            <p role="note" className="dash-error">
              Could not load tasks: {tr.tasksError}
            </p>
          )}
          {tr.tasksLoaded && tr.tasks.length === 0 && <p className="dash-muted">No open tasks.</p>}
          {targetId?.startsWith("WT") && tr.tasksLoaded && !found && (
            <p className="dash-muted" role="note">
              The linked task is no longer open (completed or canceled).
            </p>
          )}
          <ul className="dash-rows" aria-label="Open tasks">
            {tr.tasks.map((t) => (
              <li key={t.sid} className={`dash-row${target(t.sid)}`} data-id={t.sid}>
                <span className="dash-row__main dash-row__main--static">
                  <span className="dash-row__title">{taskTitle(t.attributes, { channel: t.channel, queue: t.queueName || t.department })}</span>
                  <span className="dash-row__meta">
                    {[taskNumber(t.attributes), t.queueName || t.department, t.status, t.priority > 0 ? `priority ${t.priority}` : "", t.createdAt ? formatAgo(t.createdAt) : ""]
                      .filter(Boolean)
                      .join(" · ")}
                  </span>
                </span>
              </li>
            ))}
          </ul>
          {tr.hasMoreTasks && (
            <button type="button" className="dash-button dash-button--quiet" onClick={() => void tr.loadMoreTasks()}>
              Load more
            </button>
          )}
        </div>
      </div>
    </section>
  );
}

function MyActivity({ tr }: { tr: ReturnType<typeof useTaskRouter> }) {
  const id = useId();
  const me = tr.me;
  if (!me) {
    return <p className="dash-muted">{tr.workersLoaded ? "You have no TaskRouter worker." : ""}</p>;
  }
  const onChange = (e: ChangeEvent<HTMLSelectElement>) => {
    if (e.target.value) tr.setActivity(e.target.value).catch(() => {}); // shown in the page's alert
  };
  // The API lists no activities: those the workers show are offered (and mine, always).
  const options = tr.activities.some((a) => a.sid === me.activitySid)
    ? tr.activities
    : [{ sid: me.activitySid, name: me.activityName || "Unknown" }, ...tr.activities];
  const canChange = options.some((a) => a.sid !== "" && a.sid !== me.activitySid);
  return (
    <div className="dash-filters">
      <label htmlFor={id}>My activity</label>
      <select
        id={id}
        value={me.activitySid}
        onChange={onChange}
        disabled={!canChange || tr.pending.includes(me.sid)}
        title={canChange ? undefined : "No other activity is known yet"}
      >
        {options.map((a) => (
          <option key={a.sid} value={a.sid}>
            {a.name}
          </option>
        ))}
      </select>
      <span className={`dash-badge dash-badge--${statusClass(me.status)}`}>{statusText(me.status)}</span>
    </div>
  );
}

function OfferRow({ o, tr, targetClass }: { o: Offer; tr: ReturnType<typeof useTaskRouter>; targetClass: string }) {
  const busy = tr.pending.includes(o.reservationSid);
  const what = taskTitle(o.attributes, { channel: o.channel, queue: o.queueName || o.department });
  return (
    <li className={`dash-row${targetClass}`} data-id={o.reservationSid} data-task={o.taskSid}>
      <span className="dash-row__main dash-row__main--static">
        <span className="dash-row__title">{what}</span>
        <span className="dash-row__meta">
          {[taskNumber(o.attributes), o.queueName || o.department, o.priority > 0 ? `priority ${o.priority}` : "", formatAgo(o.offeredAt)]
            .filter(Boolean)
            .join(" · ")}
        </span>
      </span>
      <span className="dash-actions">
        <button type="button" className="dash-button dash-button--small" disabled={busy} aria-label={`Accept ${what}`} onClick={() => tr.accept(o.reservationSid).catch(() => {})}>
          Accept
        </button>
        <button type="button" className="dash-button dash-button--quiet dash-button--small" disabled={busy} aria-label={`Reject ${what}`} onClick={() => tr.reject(o.reservationSid).catch(() => {})}>
          Reject
        </button>
      </span>
    </li>
  );
}

function WorkerCard({ w, isMe, targetClass }: { w: Worker; isMe: boolean; targetClass: string }) {
  return (
    <li className={`dash-worker dash-worker--${statusClass(w.status)}${targetClass}`} data-id={w.sid}>
      <span className="dash-worker__dot" aria-hidden="true" />
      <span className="dash-worker__name">
        {w.name}
        {isMe && " (you)"}
      </span>
      <span className="dash-worker__meta">
        {activityWord(w)}
        {w.updatedAt && formatAgo(w.updatedAt) ? ` · ${formatAgo(w.updatedAt)}` : ""}
      </span>
    </li>
  );
}
