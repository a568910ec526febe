import type { ReactNode } from "react";
import { ActivityFeed } from "../lib/ActivityFeed";
import { isUnauthorized } from "../lib/connection";
import { TeamPresence } from "../lib/PresenceIndicator";
import { RealtimeNotifications } from "../lib/RealtimeNotifications";
import { useSocket } from "../lib/SocketProvider";
import { usePresence } from "../lib/usePresence";
import { ConnectionStatus } from "./ConnectionStatus";
import { Counters } from "./Counters";
import { MyStatus } from "./MyStatus";
import { SignedOut } from "./SignedOut";

/** The dashboard: header, overview, toasts; or a sign-in prompt. */
export function App() {
  const socket = useSocket();
  const signedOut = isUnauthorized(socket);
  return (
    <>
      <a className="dash-skip" href="#main">
        Skip to content
      </a>
      {signedOut ? (
        <>
          <Header />
          <main id="main" className="dash-main" tabIndex={-1}>
            <SignedOut />
          </main>
        </>
      ) : (
        <SignedIn />
      )}
    </>
  );
}

function Header({ children }: { children?: ReactNode }) {
  return (
    <header className="dash-header">
      <div className="dash-header__inner">
        <h1 className="dash-brand">
          <span className="dash-brand__mark" aria-hidden="true" />
          KIN Realtime
        </h1>
        <div className="dash-header__tools">
          <ConnectionStatus />
          {children}
        </div>
      </div>
    </header>
  );
}

function SignedIn() {
  const presence = usePresence();
  return (
    <>
      <Header>
        <MyStatus presence={presence} />
      </Header>
      <main id="main" className="dash-main" tabIndex={-1}>
        <h2 className="kin-sr-only">Overview</h2>
        <Counters />
        <div className="dash-columns">
          <div className="dash-panel">
            <ActivityFeed max={100} />
          </div>
          <div className="dash-panel">
            <TeamPresence presence={presence} />
          </div>
        </div>
      </main>
      <RealtimeNotifications />
    </>
  );
}
