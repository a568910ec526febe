import { useEffect, useState } from "react";
import { parseRoute, parseRouteId, type Route } from "./routes";

function useHash(): string {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const onChange = () => setHash(window.location.hash);
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return hash;
}

/** The page of the location hash, following hashchange (back and forward work). */
export function useRoute(): Route {
  const hash = useHash();
  const [route, setRoute] = useState<Route>(() => parseRoute(hash) ?? "overview");
  const r = parseRoute(hash);
  if (r && r !== route) setRoute(r); // a hash that is not a route ("#main") keeps the page
  return route;
}

/**
 * The record the location hash points at on page ("#/voicemails/VM1" →
 * "VM1"), null when it points at none or at another page.
 */
export function useRouteId(page: Route): string | null {
  const hash = useHash();
  return parseRoute(hash) === page ? parseRouteId(hash) : null;
}
