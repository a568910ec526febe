/** Where the socket stands. */
export type ConnectionState = "connecting" | "connected" | "disconnected" | "error";

export interface ConnectionInfo {
  state: ConnectionState;
  /** The last connect_error's message ("unauthorized" when the session is refused); null once connected. */
  error: string | null;
  /** Whether the last (re)connection recovered the session: no event was missed. False for the first connection. */
  recovered: boolean;
  /** How many times the socket has connected: 1 after the first connection, 2 after the first reconnection, … */
  connects: number;
  /** Why the socket last disconnected (socket.io-client's reason), if it has. */
  disconnectReason: string | null;
}

export type ConnectionEvent =
  | { type: "connecting" }
  | { type: "connect"; recovered: boolean }
  | { type: "disconnect"; reason: string }
  | { type: "connect_error"; message: string }
  | { type: "reset" };

export const initialConnection: ConnectionInfo = {
  state: "connecting",
  error: null,
  recovered: false,
  connects: 0,
  disconnectReason: null,
};

/** The connection state machine, driven by the socket's events. */
export function connectionReducer(info: ConnectionInfo, ev: ConnectionEvent): ConnectionInfo {
  switch (ev.type) {
    case "reset":
      return initialConnection;
    case "connecting":
      return info.state === "connecting" ? info : { ...info, state: "connecting" };
    case "connect":
      return {
        ...info,
        state: "connected",
        error: null,
        recovered: info.connects > 0 && ev.recovered,
        connects: info.connects + 1,
        disconnectReason: null,
      };
    case "disconnect":
      return { ...info, state: "disconnected", disconnectReason: ev.reason };
    case "connect_error":
      return { ...info, state: "error", error: ev.message || "connection failed" };
  }
}

/** Whether a connection error means the user is not signed in. */
export function isUnauthorized(info: Pick<ConnectionInfo, "state" | "error">): boolean {
  return info.state === "error" && info.error === "unauthorized";
}
