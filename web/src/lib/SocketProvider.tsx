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
  /**
   * A session token, sent as `auth: {token}` on the socket and as
   * `Authorization: Bearer <token>` on every REST call. Without token or
   * getToken the session cookie authenticates both.
   */
  token?: string;
  /**
   * Fetches a fresh session token; called before every (re)connection.
   * REST calls reuse the last token it gave and ask it again after a 401.
   * Takes precedence over token.
   */
  getToken?: () => Promise<string>;
  /**
   * The REST API's origin. Default: the origin of the socket's URL (`url`,
   * else NEXT_PUBLIC_SOCKET_IO_URL): the same service; with neither, the
   * page's own origin ("").
   */
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
  /** Calls the REST API of the same service, with the provider's token if it has one. */
  api: Api;
  /** The REST API's origin ("" is the page's own). */
  apiBaseUrl: string;
  /** Whether REST calls carry a token (token or getToken given) rather than the session cookie. */
  usesToken: boolean;
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
  apiBaseUrl,
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
  // The last token getToken gave (REST calls reuse it) and the call in
  // flight (concurrent askers share it).
  const tokenCache = useRef<{ value: string | null; pending: Promise<string | null> | null }>({ value: null, pending: null });
  const currentToken = useCallback((refresh: boolean): string | null | Promise<string | null> => {
    const { token: t, getToken: g } = credentials.current;
    if (!g) return t || null;
    const cache = tokenCache.current;
    if (!refresh && cache.value) return cache.value;
    if (!cache.pending) {
      const pending = g().then(
        (fresh) => (cache.value = fresh || null),
        (err: unknown) => {
          console.error("kinrt: getToken failed", err);
          return (cache.value = null);
        },
      );
      cache.pending = pending;
      void pending.then(() => {
        if (cache.pending === pending) cache.pending = null;
      });
    }
    return cache.pending;
  }, []);

  useEffect(() => {
    const auth: SocketOptions["auth"] = (cb) => {
      // A fresh token for every (re)connection.
      const t = currentToken(true);
      if (t === null || typeof t === "string") cb(t ? { token: t } : {});
      else void t.then((fresh) => cb(fresh ? { token: fresh } : {}));
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
  }, [resolvedUrl, path, createSocket, registry, currentToken]);

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
  const baseUrl = apiBaseUrl ?? originOf(resolvedUrl);
  const usesToken = Boolean(token || getToken);
  const api = useMemo(() => createApi(baseUrl, { getToken: currentToken }), [baseUrl, currentToken]);

  const value = useMemo<SocketContextValue>(
    () => contextValue(info, { on, off, emit, reconnect, api, apiBaseUrl: baseUrl, usesToken }),
    [info, on, off, emit, reconnect, api, baseUrl, usesToken],
  );
  return <SocketContext.Provider value={value}>{children}</SocketContext.Provider>;
}

/** The origin of the socket's URL ("" for the page's own, or when it is not an absolute URL). */
function originOf(url: string | undefined): string {
  if (!url) return "";
  try {
    const u = new URL(url);
    if (u.protocol === "ws:" || u.protocol === "wss:") return (u.protocol === "ws:" ? "http://" : "https://") + u.host;
    return u.protocol === "http:" || u.protocol === "https:" ? u.origin : "";
  } catch {
    return "";
  }
}

function contextValue(
  info: ConnectionInfo,
  fns: Pick<SocketContextValue, "on" | "off" | "emit" | "reconnect" | "api" | "apiBaseUrl" | "usesToken">,
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
