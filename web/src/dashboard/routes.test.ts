import { describe, expect, it } from "vitest";
import { parseRoute, routeHref } from "./routes";

describe("routes", () => {
  it("parses hash routes; other hashes keep the page", () => {
    expect(parseRoute("")).toBe("overview");
    expect(parseRoute("#/")).toBe("overview");
    expect(parseRoute("#/voicemails")).toBe("voicemails");
    expect(parseRoute("#/conversations/")).toBe("conversations");
    expect(parseRoute("#/taskrouter?x=1")).toBe("taskrouter");
    expect(parseRoute("#/nope")).toBe("overview");
    expect(parseRoute("#main")).toBeNull();
    expect(routeHref("voicemails")).toBe("#/voicemails");
    expect(routeHref("overview")).toBe("#/");
  });
});
