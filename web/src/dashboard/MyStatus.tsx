import { useId, useState, type ChangeEvent } from "react";
import { PresenceIndicator } from "../lib/PresenceIndicator";
import { SETTABLE_STATUSES, STATUS_LABEL, type SettableStatus } from "../lib/presence";
import { useSocket } from "../lib/SocketProvider";
import type { PresenceResult } from "../lib/usePresence";

/** My presence: a select that sets it through PUT /api/presence/me. */
export function MyStatus({ presence }: { presence: Pick<PresenceResult, "myStatus" | "setMyStatus" | "saving"> }) {
  const { isConnected } = useSocket();
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  const onChange = (e: ChangeEvent<HTMLSelectElement>) => {
    setError(null);
    presence.setMyStatus(e.target.value as SettableStatus).catch((err: unknown) => {
      setError(err instanceof Error ? err.message : String(err));
    });
  };
  const value = presence.myStatus === "offline" ? "online" : presence.myStatus;
  return (
    <div className="dash-mystatus">
      <PresenceIndicator status={isConnected ? presence.myStatus : "offline"} name="You" />
      <label htmlFor={id} className="dash-mystatus__label">
        My status
      </label>
      <select id={id} value={value} onChange={onChange} disabled={!isConnected || presence.saving}>
        {SETTABLE_STATUSES.map((s) => (
          <option key={s} value={s}>
            {STATUS_LABEL[s]}
          </option>
        ))}
      </select>
      {error && (
        <span role="alert" className="dash-mystatus__error">
          {error}
        </span>
      )}
    </div>
  );
}
