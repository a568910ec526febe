import { useId } from "react";
import { formatAgo } from "./format.js";
import { STATUS_LABEL, type PresenceStatus, type PresenceUser } from "./presence.js";
import { usePresence, type PresenceResult } from "./usePresence.js";

export interface PresenceIndicatorProps {
  status: PresenceStatus;
  /** Whose status: makes the accessible label "Ada: Away". */
  name?: string;
  /** Show the status in words beside the dot. Default false. */
  showLabel?: boolean;
  className?: string;
}

/**
 * A user's online/away/busy/offline dot. The dot has an accessible label;
 * each status also has its own shape, so colour is not the only cue.
 */
export function PresenceIndicator({ status, name, showLabel = false, className }: PresenceIndicatorProps) {
  const text = STATUS_LABEL[status] ?? status;
  const label = name ? `${name}: ${text}` : text;
  return (
    <span className={["kin-presence", `kin-presence--${status}`, className].filter(Boolean).join(" ")} data-status={status}>
      <span className="kin-presence__dot" role="img" aria-label={label} title={label} />
      {showLabel && (
        <span className="kin-presence__label" aria-hidden="true">
          {text}
        </span>
      )}
    </span>
  );
}

export interface TeamPresenceProps {
  /** The state to show; without it TeamPresence loads and follows its own (usePresence()). */
  presence?: Pick<PresenceResult, "users" | "loaded" | "error" | "myUserId">;
  /** The heading. Default "Team". */
  title?: string;
  className?: string;
}

/** The team list: who is online, busy, away or offline, kept live. */
export function TeamPresence({ presence, title = "Team", className }: TeamPresenceProps) {
  const own = usePresence({ enabled: presence === undefined });
  const { users, loaded, error, myUserId } = presence ?? own;
  const headingId = useId();
  const online = users.filter((u) => u.status !== "offline").length;
  return (
    <section className={["kin-team", className].filter(Boolean).join(" ")} aria-labelledby={headingId}>
      <h2 className="kin-team__title" id={headingId}>
        {title} <span className="kin-team__count">{loaded || users.length > 0 ? `${online} of ${users.length} present` : ""}</span>
      </h2>
      {error && users.length === 0 ? (
        <p className="kin-team__note" role="note">
          The team list could not be loaded ({error}).
        </p>
      ) : users.length === 0 ? (
        <p className="kin-team__empty">{loaded ? "Nobody to show." : "Loading team…"}</p>
      ) : (
        <ul className="kin-team__list" aria-label={title}>
          {users.map((u) => (
            <TeamMember key={u.userId} user={u} isMe={u.userId === myUserId} />
          ))}
        </ul>
      )}
    </section>
  );
}

function TeamMember({ user, isMe }: { user: PresenceUser; isMe: boolean }) {
  const name = user.name ?? user.userId;
  return (
    <li className="kin-team__member" data-user-id={user.userId} data-status={user.status}>
      <PresenceIndicator status={user.status} name={name} showLabel />
      <span className="kin-team__name">
        {name}
        {isMe && <span className="kin-team__me"> (you)</span>}
      </span>
      <span className="kin-team__meta">
        {[user.role, user.department].filter(Boolean).join(" · ")}
        {user.status === "offline" && user.lastSeenAt && formatAgo(user.lastSeenAt) && (
          <>
            {" · "}last seen <time dateTime={user.lastSeenAt}>{formatAgo(user.lastSeenAt)}</time>
          </>
        )}
      </span>
    </li>
  );
}
