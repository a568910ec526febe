import { describe, expect, it } from "vitest";
import { connectionReducer, initialConnection, isUnauthorized, type ConnectionEvent, type ConnectionInfo } from "./connection";

const run = (...events: ConnectionEvent[]): ConnectionInfo => events.reduce(connectionReducer, initialConnection);

describe("connectionReducer", () => {
  it("starts connecting", () => {
    expect(initialConnection.state).toBe("connecting");
    expect(initialConnection.connects).toBe(0);
  });

  it("connects; the first connection is never 'recovered'", () => {
    const s = run({ type: "connect", recovered: true });
    expect(s).toMatchObject({ state: "connected", connects: 1, recovered: false, error: null });
  });

  it("goes disconnected, connecting, connected again and knows whether the session was recovered", () => {
    const s1 = run({ type: "connect", recovered: false }, { type: "disconnect", reason: "transport close" });
    expect(s1).toMatchObject({ state: "disconnected", disconnectReason: "transport close" });
    const s2 = connectionReducer(s1, { type: "connecting" });
    expect(s2.state).toBe("connecting");
    const s3 = connectionReducer(s2, { type: "connect", recovered: true });
    expect(s3).toMatchObject({ state: "connected", connects: 2, recovered: true, disconnectReason: null });
    const s4 = connectionReducer(connectionReducer(s3, { type: "disconnect", reason: "ping timeout" }), {
      type: "connect",
      recovered: false,
    });
    expect(s4).toMatchObject({ connects: 3, recovered: false });
  });

  it("keeps connect_error's message until the next connection", () => {
    const s = run({ type: "connect_error", message: "unauthorized" });
    expect(s).toMatchObject({ state: "error", error: "unauthorized" });
    expect(isUnauthorized(s)).toBe(true);
    const retrying = connectionReducer(s, { type: "connecting" });
    expect(retrying).toMatchObject({ state: "connecting", error: "unauthorized" });
    expect(isUnauthorized(retrying)).toBe(false);
    expect(connectionReducer(retrying, { type: "connect", recovered: false }).error).toBeNull();
  });

  it("returns the same state for a redundant 'connecting'", () => {
    expect(connectionReducer(initialConnection, { type: "connecting" })).toBe(initialConnection);
  });

  it("resets", () => {
    expect(run({ type: "connect", recovered: false }, { type: "reset" })).toBe(initialConnection);
  });
});
