/** The dashboard's pages, reached by hash routes ("#/voicemails"). */
export const ROUTES = ["overview", "voicemails", "conversations", "taskrouter"] as const;
export type Route = (typeof ROUTES)[number];

export const ROUTE_LABEL: Record<Route, string> = {
  overview: "Overview",
  voicemails: "Voicemails",
  conversations: "Conversations",
  taskrouter: "TaskRouter",
};

/** The href of a page. */
export const routeHref = (r: Route): string => (r === "overview" ? "#/" : `#/${r}`);

/**
 * The page of a location hash: "#/voicemails" → "voicemails"; "#/" or "" →
 * "overview". A hash that is not a route ("#main", the skip link's target)
 * gives null: the current page stays.
 */
export function parseRoute(hash: string): Route | null {
  if (hash === "" || hash === "#") return "overview";
  if (!hash.startsWith("#/")) return null;
  const name = hash.slice(2).split(/[/?]/)[0] ?? "";
  if (name === "") return "overview";
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : "overview";
}
