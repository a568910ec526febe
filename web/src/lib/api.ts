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
}

/** The list shape of every collection route. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Calls the KIN Realtime REST API. */
export type Api = <T>(path: string, req?: ApiRequest) => Promise<T>;

/**
 * Returns an Api for the service at baseUrl ("" — the default — is the page's
 * own origin). Requests carry the session cookie (credentials: "include");
 * a non-2xx answer throws an ApiError with the server's `{"error": ...}`
 * message, or the status text when the body is not that JSON.
 */
export function createApi(baseUrl = ""): Api {
  const base = baseUrl.replace(/\/+$/, "");
  return async function api<T>(path: string, req: ApiRequest = {}): Promise<T> {
    let url = base + path;
    if (req.query) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(req.query)) {
        if (v !== undefined && v !== null) params.set(k, String(v));
      }
      const qs = params.toString();
      if (qs) url += (url.includes("?") ? "&" : "?") + qs;
    }
    const headers: Record<string, string> = { Accept: "application/json" };
    const init: RequestInit = {
      method: req.method ?? "GET",
      credentials: "include",
      headers,
    };
    if (req.signal) init.signal = req.signal;
    if (req.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(req.body);
    }
    const res = await fetch(url, init);
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
