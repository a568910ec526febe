import { useEffect, useRef, type ReactNode } from "react";
import { ActivityFeed } from "../lib/ActivityFeed";
import { AlertControls } from "../lib/AlertControls";
import { isUnauthorized } from "../lib/connection";
import { TeamPresence } from "../lib/PresenceIndicator";
import { RealtimeNotifications } from "../lib/RealtimeNotifications";
import { useSocket } from "../lib/SocketProvider";
import { useMe } from "../lib/useMe";
import { usePresence } from "../lib/usePresence";
import { ConnectionStatus } from "./ConnectionStatus";
import { ConversationsPage } from "./Conversations";
import { Floor } from "./Floor";
import { MyStatus } from "./MyStatus";
import { Nav } from "./Nav";
import { dashboardHref, ROUTE_LABEL, type Route } from "./routes";
import { SignedOut } from "./SignedOut";
import { TaskRouterPage } from "./TaskRouter";
import { useRoute } from "./useRoute";
import { VoicemailsPage } from "./Voicemails";

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

/** The sticky header; toasts sit in its bottom strip, so they never cover the page. */
function Header({ children, toasts }: { children?: ReactNode; toasts?: ReactNode }) {
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
      {toasts}
    </header>
  );
}

function SignedIn() {
  // Who I am, known at load (GET /api/me): my presence, "assigned to me", my worker.
  const { me } = useMe();
  const myUserId = me?.userId ?? null;
  // In KIN_PRESENCE_SCOPE=watched the socket gets the changes of only the
  // users it watches: watch the team list's (its first 1000).
  const presence = usePresence({ myUserId, watchListed: me?.presenceScope === "watched" });
  const nameOf = (id: string) => presence.users.find((u) => u.userId === id)?.name;
  const route = useRoute();
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${ROUTE_LABEL[route]} · KIN Realtime`;
    // Moving between pages puts focus at the new page's start (not on first load).
    if (first.current) first.current = false;
    else mainRef.current?.focus();
  }, [route]);
  return (
    <>
      <Header toasts={<RealtimeNotifications className="dash-toasts" hrefFor={dashboardHref} nameOf={nameOf} />}>
        {me && (
          <span className="dash-me" title={me.email}>
            {me.name || me.email || me.userId}
            {me.role && <span className="dash-me__role"> · {me.role}</span>}
          </span>
        )}
        <MyStatus presence={presence} />
        <AlertControls />
      </Header>
      <Nav current={route} />
      <main id="main" className="dash-main" tabIndex={-1} ref={mainRef}>
        {/* The overview stays mounted (its figures and feed stay live); the other pages load when opened. */}
        <div className="dash-page" hidden={route !== "overview"}>
          <h2 className="kin-sr-only">Overview</h2>
          <Floor />
          <div className="dash-columns">
            <div className="dash-panel">
              <ActivityFeed max={100} hrefFor={dashboardHref} nameOf={nameOf} />
            </div>
            <div className="dash-panel">
              <TeamPresence presence={presence} />
            </div>
          </div>
        </div>
        <Page route={route} myUserId={myUserId} />
      </main>
    </>
  );
}

function Page({ route, myUserId }: { route: Route; myUserId: string | null }) {
  switch (route) {
    case "voicemails":
      return <VoicemailsPage myUserId={myUserId} />;
    case "conversations":
      return <ConversationsPage />;
    case "taskrouter":
      return <TaskRouterPage myUserId={myUserId} />;
    case "overview":
      return null;
  }
}
