import { hrefFromRecord, type HrefFor, type RecordRef } from "../lib/links";

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

/**
 * The record a location hash points at within its page: "#/voicemails/VM1"
 * → "VM1" (decoded); null when the hash names no record.
 */
export function parseRouteId(hash: string): string | null {
  if (!hash.startsWith("#/")) return null;
  const [, id] = hash.slice(2).split("?")[0]!.split("/");
  if (!id) return null;
  try {
    return decodeURIComponent(id);
  } catch {
    return null;
  }
}

/** The page that shows each kind of record. */
const RECORD_PAGE: Record<RecordRef["kind"], Route> = {
  voicemail: "voicemails",
  conversation: "conversations",
  task: "taskrouter",
  worker: "taskrouter",
};

/** The href of a record: "#/voicemails/VM1", "#/conversations/C1", "#/taskrouter/WT1" (a task or a worker). */
export const recordHref = (r: RecordRef): string => `#/${RECORD_PAGE[r.kind]}/${encodeURIComponent(r.id)}`;

/** The dashboard's link builder: the hash route of an event's record. */
export const dashboardHref: HrefFor = hrefFromRecord(recordHref);
