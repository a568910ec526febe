import { useEffect, useState } from "react";
import { errorMessage, obj, str } from "./collection.js";
import { useSocket } from "./SocketProvider.js";
import type { RestSchemas } from "./rest.js";

/** The signed-in user, as GET /api/me gives it. */
export type Me = RestSchemas["Me"];

/** Checks GET /api/me's answer. */
export function parseMe(raw: unknown): Me | null {
  const r = obj(raw);
  if (!r || typeof r.userId !== "string" || r.userId === "") return null;
  return {
    userId: r.userId,
    name: str(r.name),
    email: str(r.email),
    role: str(r.role),
    department: str(r.department),
    // Older servers do not say: they have only the department scope.
    presenceScope: r.presenceScope === "watched" ? "watched" : "department",
  };
}

export interface MeResult {
  /** Who I am, once GET /api/me has answered. */
  me: Me | null;
  loaded: boolean;
  error: string | null;
}

/** GET /api/me at mount (and again whenever the socket connects while it is still unknown). */
export function useMe({ enabled = true }: { enabled?: boolean } = {}): MeResult {
  const { api, connects } = useSocket();
  const [me, setMe] = useState<Me | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const known = me !== null;
  useEffect(() => {
    if (!enabled || known) return;
    const ctrl = new AbortController();
    api<unknown>("/api/me", { signal: ctrl.signal }).then(
      (raw) => {
        const m = parseMe(raw);
        setMe(m);
        setLoaded(true);
        setError(m ? null : "GET /api/me: unexpected answer");
      },
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        setLoaded(true);
        setError(errorMessage(err));
      },
    );
    return () => ctrl.abort();
  }, [api, enabled, known, connects]);
  return { me, loaded, error };
}
