/** An HTTP error from the KIN Realtime API, with the server's message. */
export class ApiError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

/** Reports whether err is an ApiError with the given status. */
export function isApiError(err: unknown, status?: number): err is ApiError {
  return err instanceof ApiError && (status === undefined || err.status === status);
}

export interface ApiRequest {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Sent as JSON. */
  body?: unknown;
  /** Query parameters; undefined and null values are left out. */
  query?: Record<string, string | number | undefined | null>;
  signal?: AbortSignal;
  /** "blob" gives the body as a Blob (media) instead of parsing JSON. */
  responseType?: "json" | "blob";
}

/** The list shape of every collection route. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Calls the KIN Realtime REST API. */
export type Api = <T>(path: string, req?: ApiRequest) => Promise<T>;

/** Where an Api gets the session token it sends. */
export interface ApiOptions {
  /**
   * The session token to send as `Authorization: Bearer <token>`, or
   * null/undefined/"" for none (the session cookie then authenticates).
   * Called before every request with refresh false (a cached token is fine)
   * and, after a 401 answer to a request that carried a token, once with
   * refresh true: a different token is then tried once more.
   */
  getToken?: (refresh: boolean) => string | null | undefined | Promise<string | null | undefined>;
}

/** Joins the API's base URL and a path ("/api/…"); an absolute URL is kept as it is. */
export function apiUrl(baseUrl: string, path: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return path;
  return baseUrl.replace(/\/+$/, "") + path;
}

/**
 * Returns an Api for the service at baseUrl ("" — the default — is the page's
 * own origin). With a token from options.getToken, requests carry
 * `Authorization: Bearer <token>` and no cookie (credentials: "omit"), so
 * they work on another site; without one they carry the session cookie
 * (credentials: "include"). A non-2xx answer throws an ApiError with the
 * server's `{"error": ...}` message, or the status text when the body is not
 * that JSON.
 */
export function createApi(baseUrl = "", options: ApiOptions = {}): Api {
  const { getToken } = options;
  return async function api<T>(path: string, req: ApiRequest = {}): Promise<T> {
    let url = apiUrl(baseUrl, path);
    if (req.query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query)) {
        if (v !== undefined && v !== null) params.set(k, String(v));
      }
      const qs = params.toString();
      if (qs) url += (url.includes("?") ? "&" : "?") + qs;
    }
    const send = (token: string | null | undefined) => {
      const headers: Record<string, string> = { Accept: req.responseType === "blob" ? "*/*" : "application/json" };
      const init: RequestInit = {
        method: req.method ?? "GET",
        credentials: token ? "omit" : "include",
        headers,
      };
      if (token) headers.Authorization = `Bearer ${token}`;
      if (req.signal) init.signal = req.signal;
      if (req.body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(req.body);
      }
      return fetch(url, init);
    };
    const token = getToken ? await getToken(false) : null;
    let res = await send(token);
    if (res.status === 401 && token && getToken) {
      const fresh = await getToken(true);
      if (fresh && fresh !== token) res = await send(fresh);
    }
    if (res.ok && req.responseType === "blob") return (await res.blob()) as T;
    const text = await res.text();
    let data: unknown = undefined;
    if (text !== "") {
      try {
        data = JSON.parse(text);
      } catch {
        data = undefined;
      }
    }
    if (!res.ok) {
      const message =
        data !== null && typeof data === "object" && typeof (data as { error?: unknown }).error === "string"
          ? (data as { error: string }).error
          : `${res.status} ${res.statusText || "request failed"}`.trim();
      throw new ApiError(res.status, message);
    }
    if (text !== "" && data === undefined) {
      throw new ApiError(res.status, "response is not JSON");
    }
    return data as T;
  };
}

/** The same-origin Api. */
export const api: Api = createApi();
