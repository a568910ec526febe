import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useReducer,
  useRef,
  useState,
  type ReactNode,
} from "react";
import type { EventName } from "../generated/events.js";
import { createApi, type Api } from "./api.js";
import { connectionReducer, initialConnection, type ConnectionInfo, type ConnectionState } from "./connection.js";
import { defaultSocketUrl } from "./env.js";
import { HandlerRegistry, type EventHandler } from "./registry.js";
import { createSocketIO, type CreateSocket, type SocketLike, type SocketOptions } from "./socket.js";

export interface SocketProviderProps {
  /** The Socket.IO server. Default: NEXT_PUBLIC_SOCKET_IO_URL, else the page's own origin. */
  url?: string;
  /** The Socket.IO path. Default "/socket.io". */
  path?: string;
  /** A session token sent as `auth: {token}`. Without token or getToken the session cookie authenticates. */
  token?: string;
  /** Fetches a fresh session token; called before every (re)connection. Takes precedence over token. */
  getToken?: () => Promise<string>;
  /** The REST API's origin: "" (the default) is the page's own. */
  apiBaseUrl?: string;
  /** Makes the socket. Default: socket.io-client. Tests pass an in-memory double. */
  createSocket?: CreateSocket;
  children?: ReactNode;
}

/** What useSocket() returns. */
export interface SocketContextValue {
  /** Calls handler with the payload of each event called event. */
  on: <N extends EventName>(event: N, handler: EventHandler<N>) => void;
  /** Undoes on(event, handler). */
  off: <N extends EventName>(event: N, handler: EventHandler<N>) => void;
  /** Sends an event to the server (buffered by socket.io-client while disconnected). */
  emit: (event: string, ...args: unknown[]) => void;
  isConnected: boolean;
  state: ConnectionState;
  /** The last connect_error's message ("unauthorized": not signed in), null once connected. */
  error: string | null;
  /** Whether the last reconnection recovered the session (nothing missed). False for the first connection. */
  recovered: boolean;
  /** How many times the socket has connected; watch it to refetch after a reconnection that was not recovered. */
  connects: number;
  /** Connects again now (after an error, or to retry with a fresh token). */
  reconnect: () => void;
  /** Calls the REST API of the same service. */
  api: Api;
}

const SocketContext = createContext<SocketContextValue | null>(null);

/** Longest wait before reconnecting after the server closed the connection. */
const MAX_SERVER_DISCONNECT_DELAY = 30_000;

/**
 * Owns one Socket.IO connection for its subtree: authenticated by the
 * session cookie (withCredentials) or by a token, reconnecting with a fresh
 * token every time, and publishing its state through useSocket().
 */
export function SocketProvider({
  url,
  path = "/socket.io",
  token,
  getToken,
  apiBaseUrl = "",
  createSocket = createSocketIO,
  children,
}: SocketProviderProps) {
  const resolvedUrl = url ?? defaultSocketUrl();
  const [info, dispatch] = useReducer(connectionReducer, initialConnection);
  const [registry] = useState(() => new HandlerRegistry());
  const socketRef = useRef<SocketLike | null>(null);
  const retryRef = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const credentials = useRef({ token, getToken });
  credentials.current = { token, getToken };

  useEffect(() => {
    const auth: SocketOptions["auth"] = (cb) => {
      const { token: t, getToken: g } = credentials.current;
      if (g) {
        g().then(
          (fresh) => cb(fresh ? { token: fresh } : {}),
          (err: unknown) => {
            console.error("kinrt: getToken failed", err);
            cb({});
          },
        );
      } else {
        cb(t ? { token: t } : {});
      }
    };
    const socket = createSocket(resolvedUrl, {
      path,
      withCredentials: true,
      autoConnect: false,
      forceNew: true,
      auth,
    });
    socketRef.current = socket;
    dispatch({ type: "reset" });

    let serverClosed = 0;
    let connectedAt = 0;
    const onConnect = () => {
      connectedAt = Date.now();
      dispatch({ type: "connect", recovered: socket.recovered === true });
    };
    const onDisconnect = (reason: string) => {
      dispatch({ type: "disconnect", reason });
      if (reason === "io server disconnect") {
        if (Date.now() - connectedAt > 60_000) serverClosed = 0;
        // The server closed this connection (its session expired, say):
        // socket.io-client leaves it closed. Try again, with a fresh token
        // or cookie; a refused session then surfaces as "unauthorized".
        const delay = Math.min(MAX_SERVER_DISCONNECT_DELAY, 1000 * 2 ** serverClosed++);
        clearTimeout(retryRef.current);
        retryRef.current = setTimeout(() => {
          if (socket.connected || socket.active) return;
          dispatch({ type: "connecting" });
          socket.connect();
        }, delay);
      } else {
        serverClosed = 0;
      }
    };
    const onConnectError = (err: unknown) => {
      const message = err instanceof Error ? err.message : typeof err === "string" ? err : "connection failed";
      dispatch({ type: "connect_error", message });
    };
    const onAttempt = () => dispatch({ type: "connecting" });
    socket.on("connect", onConnect);
    socket.on("disconnect", onDisconnect);
    socket.on("connect_error", onConnectError);
    socket.io.on("reconnect_attempt", onAttempt);
    registry.attach(socket);
    socket.connect();

    return () => {
      clearTimeout(retryRef.current);
      registry.detach(socket);
      socket.off("connect", onConnect);
      socket.off("disconnect", onDisconnect);
      socket.off("connect_error", onConnectError);
      socket.io.off("reconnect_attempt", onAttempt);
      socket.disconnect();
      if (socketRef.current === socket) socketRef.current = null;
    };
  }, [resolvedUrl, path, createSocket, registry]);

  const on = useCallback(
    <N extends EventName>(event: N, handler: EventHandler<N>) => registry.on(event, handler),
    [registry],
  );
  const off = useCallback(
    <N extends EventName>(event: N, handler: EventHandler<N>) => registry.off(event, handler),
    [registry],
  );
  const emit = useCallback((event: string, ...args: unknown[]) => {
    socketRef.current?.emit(event, ...args);
  }, []);
  const reconnect = useCallback(() => {
    const s = socketRef.current;
    if (!s) return;
    clearTimeout(retryRef.current);
    if (s.connected || s.active) s.disconnect();
    dispatch({ type: "connecting" });
    s.connect();
  }, []);
  const api = useMemo(() => createApi(apiBaseUrl), [apiBaseUrl]);

  const value = useMemo<SocketContextValue>(
    () => contextValue(info, { on, off, emit, reconnect, api }),
    [info, on, off, emit, reconnect, api],
  );
  return <SocketContext.Provider value={value}>{children}</SocketContext.Provider>;
}

function contextValue(
  info: ConnectionInfo,
  fns: Pick<SocketContextValue, "on" | "off" | "emit" | "reconnect" | "api">,
): SocketContextValue {
  return {
    ...fns,
    isConnected: info.state === "connected",
    state: info.state,
    error: info.error,
    recovered: info.recovered,
    connects: info.connects,
  };
}

/**
 * The socket of the nearest SocketProvider: `{ on, off, emit, isConnected,
 * state, recovered, … }`. on/off are stable across renders and reconnects,
 * so they can go in effect dependencies.
 */
export function useSocket(): SocketContextValue {
  const ctx = useContext(SocketContext);
  if (!ctx) throw new Error("useSocket must be used inside <SocketProvider>");
  return ctx;
}
