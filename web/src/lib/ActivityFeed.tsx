import { useId } from "react";
import type { EventName } from "../generated/events.js";
import { describeEvent } from "./describe.js";
import { formatTime } from "./format.js";
import type { NameOf } from "./labels.js";
import type { HrefFor, LinkedEvent } from "./links.js";
import { useActivityFeed } from "./useActivityFeed.js";

export interface ActivityFeedProps {
  /** Keep at most this many entries. Default 50. */
  max?: number;
  /** The events shown. Default: all but presence changes. */
  events?: readonly EventName[];
  /** The heading. Default "Activity". */
  title?: string;
  /** The href of an event's record: each item links there (the dashboard's hash routes, a Next.js app's pages). */
  hrefFor?: HrefFor;
  /** A user's name by id, for events that name a user by id only. */
  nameOf?: NameOf;
  className?: string;
}

/**
 * Recent activity: history from GET /api/activity, then live events, newest
 * first, each once, at most max. Without the history route (404) it starts
 * empty and fills live.
 */
export function ActivityFeed({ max = 50, events, title = "Activity", hrefFor, nameOf, className }: ActivityFeedProps) {
  const { items, history, error } = useActivityFeed(events ? { max, events } : { max });
  const headingId = useId();
  return (
    <section className={["kin-feed", className].filter(Boolean).join(" ")} aria-labelledby={headingId}>
      <h2 className="kin-feed__title" id={headingId}>
        {title}
      </h2>
      {history === "error" && error && (
        <p className="kin-feed__note" role="note">
          Earlier activity could not be loaded ({error}); new events still appear here.
        </p>
      )}
      {items.length === 0 ? (
        <p className="kin-feed__empty">{history === "loading" ? "Loading activity…" : "No activity yet."}</p>
      ) : (
        <ol className="kin-feed__list" aria-label={title}>
          {items.map((item) => {
            const s = describeEvent(item.type, item.payload, nameOf ? { nameOf } : {});
            const href = linkOf(hrefFor, item);
            const text = (
              <>
                <span className="kin-feed__label">{s.title}</span>
                {s.detail && <span className="kin-feed__detail">{s.detail}</span>}
              </>
            );
            return (
              <li key={item.id} className={`kin-feed__item kin-feed__item--${s.category}`} data-event={item.type}>
                <span className="kin-feed__badge" aria-hidden="true" />
                {href ? (
                  <a className="kin-feed__text kin-feed__link" href={href}>
                    {text}
                  </a>
                ) : (
                  <span className="kin-feed__text">{text}</span>
                )}
                <time className="kin-feed__time" dateTime={item.occurredAt}>
                  {formatTime(item.occurredAt)}
                </time>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

function linkOf(hrefFor: HrefFor | undefined, item: LinkedEvent): string | undefined {
  if (!hrefFor) return undefined;
  try {
    return hrefFor(item);
  } catch {
    return undefined; // a link builder's bug costs the link, not the feed
  }
}
