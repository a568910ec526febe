import { render, type RenderResult } from "@testing-library/react";
import type { ReactElement } from "react";
import { SocketProvider } from "../lib/SocketProvider";
import { fakeSockets, type FakeSocket } from "./fakeSocket";

/** Renders ui inside a SocketProvider whose socket is a FakeSocket. */
export function renderWithSocket(ui: ReactElement): RenderResult & { socket: FakeSocket; sockets: FakeSocket[] } {
  const f = fakeSockets();
  const result = render(<SocketProvider createSocket={f.create}>{ui}</SocketProvider>);
  return { ...result, socket: f.last(), sockets: f.sockets };
}
