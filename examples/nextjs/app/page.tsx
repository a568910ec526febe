import { ActivityFeed } from "@kin-comms/kinrt-web";
import { Announcements } from "@/components/Announcements";
import { LiveCounters } from "@/components/LiveCounters";
import { Team } from "@/components/Team";

export default function OverviewPage() {
  return (
    <div className="app-grid">
      <section className="app-card">
        <LiveCounters />
        <Announcements />
      </section>
      <section className="app-card">
        <ActivityFeed max={30} />
      </section>
      <section className="app-card">
        <Team />
      </section>
    </div>
  );
}
