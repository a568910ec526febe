import { useEffect, useState } from "react";
import { parseRoute, type Route } from "./routes";

/** The page of the location hash, following hashchange (back and forward work). */
export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.hash) ?? "overview");
  useEffect(() => {
    const onChange = () => {
      const r = parseRoute(window.location.hash);
      if (r) setRoute(r);
    };
    window.addEventListener("hashchange", onChange);
    return () => window.removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
