import { useState } from "react";
import { useAlertSettings } from "./alerts.js";

export interface AlertControlsProps {
  className?: string;
}

/**
 * Two toggles for the header: a sound for incoming calls and task offers,
 * and desktop notifications while the tab is hidden. Nothing is asked of
 * the browser until the user clicks (never on load); the choices are
 * remembered.
 */
export function AlertControls({ className }: AlertControlsProps) {
  const a = useAlertSettings();
  const [note, setNote] = useState<string | null>(null);
  const denied = a.permission === "denied";
  const onDesktop = () => {
    setNote(null);
    void a.setDesktop(!a.desktop).then((on) => {
      if (!a.desktop && !on) setNote("Desktop notifications are blocked by the browser for this site.");
    });
  };
  return (
    <div className={["kin-alerts", className].filter(Boolean).join(" ")} role="group" aria-label="Alerts">
      <button
        type="button"
        className="kin-alerts__toggle"
        aria-pressed={a.sound}
        title="Play a sound for incoming calls and task offers"
        onClick={() => a.setSound(!a.sound)}
      >
        Sound
      </button>
      {a.permission !== "unsupported" && (
        <button
          type="button"
          className="kin-alerts__toggle"
          aria-pressed={a.desktop}
          title={denied ? "Blocked in the browser's site settings" : "Show desktop notifications while this tab is hidden"}
          onClick={onDesktop}
        >
          Desktop alerts
        </button>
      )}
      {note && (
        <span className="kin-alerts__note" role="status">
          {note}
        </span>
      )}
    </div>
  );
}
