import { useSocket } from "../lib/SocketProvider";

const TEXT = {
  connecting: "Connecting…",
  connected: "Live",
  disconnected: "Disconnected",
  error: "Connection error",
} as const;

/** The socket's state, in words, with a retry button when it is down. */
export function ConnectionStatus() {
  const { state, error, recovered, connects, reconnect } = useSocket();
  let detail = "";
  if (state === "connected" && connects > 1) {
    detail = recovered ? "reconnected, nothing missed" : "reconnected, refreshed";
  } else if (state === "error" && error) {
    detail = error;
  } else if (state === "connecting" && error) {
    detail = `retrying after: ${error}`;
  }
  return (
    <div className={`dash-conn dash-conn--${state}`}>
      <span className="dash-conn__dot" aria-hidden="true" />
      <span role="status" className="dash-conn__text">
        {TEXT[state]}
        {detail && <span className="dash-conn__detail"> ({detail})</span>}
      </span>
      {(state === "error" || state === "disconnected") && (
        <button type="button" className="dash-button dash-button--small" onClick={reconnect}>
          Retry
        </button>
      )}
    </div>
  );
}
