import type { components } from "../generated/openapi.js";

/**
 * The REST API's schemas, generated from the service's API document
 * (GET /api/openapi.json) into ../generated/openapi.ts: the shapes of the
 * answers and request bodies below are these, not kept by hand.
 */
export type RestSchemas = components["schemas"];
