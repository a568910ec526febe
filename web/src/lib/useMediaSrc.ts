import { useEffect, useState } from "react";
import { apiUrl } from "./api.js";
import { useSocket } from "./SocketProvider.js";

/** What useMediaSrc returns. */
export interface MediaSrc {
  /** For an `<audio src>`: the service's URL (cookie), or an object URL of the downloaded media (token). */
  src: string | undefined;
  /** True while the media is being downloaded (token only). */
  loading: boolean;
  /** Why the download failed (token only). */
  error: string | null;
}

/**
 * A playable `src` for a media URL of the API (a voicemail's `mediaUrl`).
 *
 * An `<audio>` element cannot send an Authorization header. With the
 * session cookie (no token on the provider) the src is the service's own URL
 * (made absolute with the provider's apiBaseUrl), streamed by the browser
 * with the cookie. With a token, the media is downloaded through the API
 * (Bearer token, like every REST call) and the src is an object URL of it,
 * revoked when the media URL changes or the component unmounts.
 */
export function useMediaSrc(mediaUrl: string | null | undefined): MediaSrc {
  const { api, apiBaseUrl, usesToken } = useSocket();
  const [downloaded, setDownloaded] = useState<{ url: string; src?: string; error: string | null } | null>(null);

  useEffect(() => {
    if (!usesToken || !mediaUrl) return;
    const ctrl = new AbortController();
    let objectUrl: string | undefined;
    api<Blob>(mediaUrl, { responseType: "blob", signal: ctrl.signal }).then(
      (blob) => {
        if (ctrl.signal.aborted) return;
        objectUrl = URL.createObjectURL(blob);
        setDownloaded({ url: mediaUrl, src: objectUrl, error: null });
      },
      (err: unknown) => {
        if (ctrl.signal.aborted) return;
        setDownloaded({ url: mediaUrl, error: err instanceof Error ? err.message : String(err) });
      },
    );
    return () => {
      ctrl.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [api, mediaUrl, usesToken]);

  if (!mediaUrl) return { src: undefined, loading: false, error: null };
  if (!usesToken) return { src: apiUrl(apiBaseUrl, mediaUrl), loading: false, error: null };
  if (!downloaded || downloaded.url !== mediaUrl) return { src: undefined, loading: true, error: null };
  return { src: downloaded.src, loading: false, error: downloaded.error };
}
