"use client";

import { PresenceIndicator, useMe, useTaskRouter } from "@kin-comms/kinrt-web";

/** TaskRouter: my offers (accept/reject), the workers, the open tasks; live. */
export function TaskBoard() {
  const { me } = useMe();
  const tr = useTaskRouter({ myUserId: me?.userId ?? null });
  return (
    <div className="app-grid">
      <section className="app-card">
        <h1>My offers</h1>
        {tr.me ? (
          <p>
            My worker: {tr.me.name} · {tr.me.activityName || "no activity"}
          </p>
        ) : (
          <p className="app-muted">No TaskRouter worker is linked to me.</p>
        )}
        {tr.offers.length === 0 && <p className="app-muted">No offers.</p>}
        <ul className="app-list">
          {tr.offers.map((o) => (
            <li key={o.reservationSid} className="app-row">
              <span>
                {o.channel ?? "task"} · {o.queueName ?? o.department}
              </span>
              <button disabled={tr.pending.includes(o.reservationSid)} onClick={() => void tr.accept(o.reservationSid).catch(() => {})}>
                Accept
              </button>
              <button disabled={tr.pending.includes(o.reservationSid)} onClick={() => void tr.reject(o.reservationSid).catch(() => {})}>
                Reject
              </button>
            </li>
          ))}
        </ul>
        {tr.actionError && <p className="app-error">{tr.actionError}</p>}
      </section>
      <section className="app-card">
        <h2>Workers</h2>
        {tr.workersError && <p className="app-error">{tr.workersError}</p>}
        <ul className="app-list">
          {tr.workers.map((w) => (
            <li key={w.sid}>
              <PresenceIndicator status={w.available ? "online" : "busy"} name={w.name} /> {w.name} · {w.activityName}
            </li>
          ))}
        </ul>
      </section>
      <section className="app-card">
        <h2>Open tasks</h2>
        {tr.tasksError && <p className="app-error">{tr.tasksError}</p>}
        {tr.tasksLoaded && tr.tasks.length === 0 && <p className="app-muted">No open tasks.</p>}
        <ul className="app-list">
          {tr.tasks.map((t) => (
            <li key={t.sid}>
              {t.queueName ?? t.department} · {t.status} · priority {t.priority}
            </li>
          ))}
        </ul>
        {tr.hasMoreTasks && <button onClick={() => void tr.loadMoreTasks()}>More tasks</button>}
      </section>
    </div>
  );
}
