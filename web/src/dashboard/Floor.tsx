import { useEffect, useState } from "react";
import { availability, type AgentStat, type Availability, type Stats } from "../lib/stats";
import { useStats } from "../lib/useStats";
import { routeHref } from "./routes";
import { Sparkline } from "./Sparkline";

/** "0:35", "12:04", "1:02:03": a wait in seconds; "over a day" beyond. */
export function formatWait(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s >= 86400) return "over a day";
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** "00:00": an ISO time on a 24-hour clock in a time zone (the browser's own if it knows not that one). */
export function clockTime(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const opts: Intl.DateTimeFormatOptions = { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  try {
    return d.toLocaleTimeString(undefined, { ...opts, timeZone });
  } catch {
    return d.toLocaleTimeString(undefined, opts);
  }
}

/** The text alternative of a per-minute chart. */
export function perMinuteLabel(what: string, values: readonly number[]): string {
  const total = values.reduce((a, b) => a + b, 0);
  const peak = values.length ? Math.max(...values) : 0;
  const last = values[values.length - 1] ?? 0;
  return `${what} per minute over the last hour: ${total} in total, at most ${peak} in a minute, ${last} this minute`;
}

const GROUPS: { key: Availability; title: string }[] = [
  { key: "available", title: "Available" },
  { key: "busy", title: "Busy" },
  { key: "offline", title: "Offline" },
];

/** A clock that ticks every second while on (for the waits, which grow between answers). */
function useNow(on: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, [on]);
  return now;
}

/**
 * The supervisor's view of the floor (GET /api/stats, kept live): the queue
 * of each department, who is available, busy or offline, the backlog, today's
 * counts and service level, then the calls and messages per minute.
 */
export function Floor() {
  const { stats, error } = useStats();
  return (
    <section className="dash-floor" aria-labelledby="floor-title" aria-busy={stats === null && !error}>
      <div className="dash-section-head">
        <h2 id="floor-title">The floor</h2>
        {stats && (
          <p className="dash-muted">
            today since <time dateTime={stats.today.since}>{clockTime(stats.today.since, stats.today.timeZone)}</time>{" "}
            {stats.today.timeZone}
          </p>
        )}
      </div>
      {error && (
        <p className="dash-floor__error" role="status">
          {stats ? "Could not refresh the figures: " : "Could not load the figures: "}
          {error}
        </p>
      )}
      {stats ? <FloorStats stats={stats} /> : !error && <p className="dash-muted">Loading the figures…</p>}
    </section>
  );
}

function FloorStats({ stats }: { stats: Stats }) {
  const waiting = stats.queue.some((q) => q.waiting > 0);
  const now = useNow(waiting);
  const age = Math.max(0, (now - Date.parse(stats.generatedAt)) / 1000) || 0;
  const byGroup = (k: Availability) => stats.agents.filter((a) => availability(a) === k);
  const t = stats.today;
  const sl = stats.serviceLevel;
  return (
    <>
      <ul className="dash-floor__tiles">
        <li className="dash-tile dash-tile--queue">
          <h3 className="dash-tile__title">In queue</h3>
          {stats.queue.length === 0 ? (
            <p className="dash-muted">No department</p>
          ) : (
            <dl className="dash-tile__rows">
              {stats.queue.map((q) => (
                <div key={q.department} className="dash-tile__row" data-department={q.department}>
                  <dt>{q.department}</dt>
                  <dd>
                    <span className="dash-tile__big" data-stat="waiting">
                      {q.waiting}
                    </span>{" "}
                    waiting
                    {q.waiting > 0 && (
                      <span className="dash-tile__sub"> · longest {formatWait(q.longestWaitSeconds + age)}</span>
                    )}
                  </dd>
                </div>
              ))}
            </dl>
          )}
        </li>
        <li className="dash-tile dash-tile--agents">
          <h3 className="dash-tile__title">Agents</h3>
          <dl className="dash-tile__rows">
            {GROUPS.map((g) => {
              const members = byGroup(g.key);
              return (
                <div key={g.key} className={`dash-tile__row dash-agents--${g.key}`} data-availability={g.key}>
                  <dt>
                    <span className="dash-tile__big">{members.length}</span> {g.title.toLowerCase()}
                  </dt>
                  <dd className="dash-agents__names">{members.length ? members.map(agentLabel).join(", ") : "—"}</dd>
                </div>
              );
            })}
          </dl>
        </li>
        <li className="dash-tile dash-tile--voicemail">
          <h3 className="dash-tile__title">Voicemails to hear</h3>
          <p className="dash-tile__big" data-stat="voicemailsUnlistened">
            {stats.voicemailsUnlistened}
          </p>
          <a className="dash-tile__link" href={routeHref("voicemails")}>
            Open voicemails
          </a>
        </li>
        <li className="dash-tile dash-tile--message">
          <h3 className="dash-tile__title">Unread conversations</h3>
          <p className="dash-tile__big" data-stat="conversationsUnread">
            {stats.conversationsUnread}
          </p>
          <a className="dash-tile__link" href={routeHref("conversations")}>
            Open conversations
          </a>
        </li>
        <li className="dash-tile dash-tile--level">
          <h3 className="dash-tile__title">Service level</h3>
          <p className="dash-tile__big" data-stat="serviceLevel">
            {sl.percent === null ? "—" : `${sl.percent}%`}
          </p>
          <p className="dash-tile__sub">
            {sl.answered === 0
              ? "no call answered yet today"
              : `${sl.answeredWithin} of ${sl.answered} answered within ${sl.thresholdSeconds} s`}
          </p>
        </li>
        {(
          [
            ["Calls today", t.calls, "calls"],
            ["Missed today", t.missedCalls, "missedCalls"],
            ["Voicemails today", t.voicemails, "voicemails"],
            ["SMS in today", t.smsIn, "smsIn"],
            ["SMS out today", t.smsOut, "smsOut"],
          ] as const
        ).map(([label, n, key]) => (
          <li key={key} className="dash-tile dash-tile--today" data-stat={key}>
            <h3 className="dash-tile__title">{label}</h3>
            <p className="dash-tile__big">{n}</p>
          </li>
        ))}
      </ul>
      <div className="dash-floor__charts">
        <Chart title="Calls per minute" what="Calls" values={stats.perMinute.calls} />
        <Chart title="Messages per minute" what="Messages" values={stats.perMinute.messages} />
      </div>
    </>
  );
}

function Chart({ title, what, values }: { title: string; what: string; values: readonly number[] }) {
  const total = values.reduce((a, b) => a + b, 0);
  return (
    <figure className="dash-chart">
      <figcaption className="dash-chart__caption">
        <span>{title}</span> <span className="dash-muted">last hour · {total}</span>
      </figcaption>
      <Sparkline values={values} label={perMinuteLabel(what, values)} />
    </figure>
  );
}

function agentLabel(a: AgentStat): string {
  return a.activity && availability(a) !== "offline" ? `${a.name} (${a.activity})` : a.name;
}
