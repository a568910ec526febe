import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { SocketProvider } from "../lib/SocketProvider";
import { App } from "./App";
import "../lib/kinrt.css";
import "./dashboard.css";

const root = document.getElementById("root");
if (!root) throw new Error("no #root element");

// Served by the Go service itself: the socket and the API are on this
// origin, and the session cookie authenticates both.
createRoot(root).render(
  <StrictMode>
    <SocketProvider url={window.location.origin}>
      <App />
    </SocketProvider>
  </StrictMode>,
);
