import { useReducer, useState } from "react";
import { EVENT_NAMES, type EventName } from "../generated/events";
import { EVENT_CATEGORY, EVENT_LABEL, type EventCategory } from "../lib/describe";
import { useSocketEvent } from "../lib/useSocketEvent";
import { countEvent, initialCounters, type CounterState } from "./counters";

const GROUPS: { category: EventCategory; title: string }[] = [
  { category: "voicemail", title: "Voicemails" },
  { category: "call", title: "Calls" },
  { category: "message", title: "Messages" },
  { category: "task", title: "Tasks" },
  { category: "worker", title: "Workers" },
  { category: "presence", title: "Presence" },
  { category: "system", title: "Notifications" },
];

type CountAction = { event: EventName; id: string };

function reducer(state: CounterState, a: CountAction): CounterState {
  return countEvent(state, a.event, a.id);
}

/** Live counts of the events received since the page opened, by type. */
export function Counters() {
  const [state, dispatch] = useReducer(reducer, undefined, initialCounters);
  const [since] = useState(() => new Date());
  useSocketEvent(EVENT_NAMES, (event, payload) => {
    const id = (payload as { id?: unknown } | null)?.id;
    if (typeof id === "string") dispatch({ event, id });
  });
  return (
    <section className="dash-counters" aria-labelledby="counters-title">
      <div className="dash-section-head">
        <h2 id="counters-title">Live events</h2>
        <p className="dash-muted">
          since <time dateTime={since.toISOString()}>{since.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}</time>
        </p>
      </div>
      <ul className="dash-counter-grid">
        {GROUPS.map((g) => {
          const names = EVENT_NAMES.filter((n) => EVENT_CATEGORY[n] === g.category);
          const total = names.reduce((sum, n) => sum + state.counts[n], 0);
          return (
            <li key={g.category} className={`dash-counter dash-counter--${g.category}`}>
              <h3 className="dash-counter__title">{g.title}</h3>
              <p className="dash-counter__total">{total}</p>
              <dl className="dash-counter__types">
                {names.map((n) => (
                  <div key={n} className="dash-counter__type" data-event={n}>
                    <dt>{EVENT_LABEL[n]}</dt>
                    <dd>{state.counts[n]}</dd>
                  </div>
                ))}
              </dl>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
