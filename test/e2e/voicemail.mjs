// voicemail.mjs: issue 6's browser scenario. A signed inbound call that
// goes to voicemail reaches the sales agent (toast, feed, list row) and not
// the support agent; the agent follows the feed item's link to the voicemail, marks it listened and it leaves the sales
// supervisor's open list of new voicemails, live; closing the support agent's page turns Pat offline in
// the admin's team list.
//
// Usage: node voicemail.mjs '{"url","publicUrl","twilioToken","apiKey","shots"}'
import { mkdirSync } from "node:fs";
import { launch, publish, signIn as open, timeout, webhook as signed } from "./kin.mjs";

const spec = JSON.parse(process.argv[2]);
mkdirSync(spec.shots, { recursive: true });
const caller = "+15559990001";
const { browser, fail } = await launch();
const signIn = (name, hash = "") => open(browser, spec.url, name, { hash, viewport: { width: 1280, height: 860 } });
const webhook = (path, params) => signed(spec, path, params);
const notifyAll = (message) => publish(spec, "system_notification", { level: "info", message, target: { kind: "all" } });

try {
  const sally = await signIn("Sally Seller");
  const sam = await signIn("Sam Sales", "#/voicemails");
  const pat = await signIn("Pat Helper");
  const ada = await signIn("Ada Admin");

  // The overview's floor counts today's calls and voicemails from the store:
  // the call below adds one to each, live.
  const today = (stat) => sally.locator(`.dash-floor li[data-stat="${stat}"] .dash-tile__big`);
  await today("calls").waitFor({ timeout });
  const before = { calls: Number(await today("calls").textContent()), voicemails: Number(await today("voicemails").textContent()) };

  const call = { CallSid: "CAe2e0001", From: caller, To: "+15550001111", Direction: "inbound", CallerName: "Eve Example" };
  await webhook("/api/webhooks/twilio/voice", { ...call, CallStatus: "ringing" });
  await webhook("/api/webhooks/twilio/recording?kind=voicemail", {
    ...call, RecordingSid: "REe2e0001", RecordingStatus: "completed", RecordingDuration: "12",
    RecordingUrl: "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/REe2e0001", RecordingSource: "RecordVerb",
  });

  // Sally: a toast and a feed entry.
  await sally.locator(".kin-toast", { hasText: "New voicemail" }).waitFor({ timeout });
  await sally.getByText("Eve Example").first().waitFor({ timeout });
  await sally.waitForFunction(
    (want) => ["calls", "voicemails"].every((k) => document.querySelector(`.dash-floor li[data-stat="${k}"] .dash-tile__big`)?.textContent === String(want[k])),
    { calls: before.calls + 1, voicemails: before.voicemails + 1 },
    { timeout },
  );
  await sally.screenshot({ path: `${spec.shots}/voicemail-toast-sales-agent.png`, fullPage: true });

  // Sam's open voicemail list gets the row live.
  const samRow = sam.locator("li.dash-row", { hasText: "Eve Example" });
  await samRow.waitFor({ timeout });

  // Sally follows the feed item's link to the voicemail: its page opens
  // with the record selected and marked; she marks it listened; Sam's view
  // follows.
  await sally.locator("a.kin-feed__link", { hasText: "Eve Example" }).first().click();
  await sally.waitForURL(/#\/voicemails\/[^/]+$/, { timeout });
  const row = sally.locator("li.dash-row", { hasText: "Eve Example" });
  await row.and(sally.locator(".dash-row--target")).waitFor({ timeout });
  await sally.getByRole("heading", { name: "Eve Example" }).waitFor({ timeout });
  await sally.screenshot({ path: `${spec.shots}/voicemail-linked-sales-agent.png`, fullPage: true });
  await sally.getByRole("button", { name: "Mark listened" }).click();
  // The lists show new voicemails by default: a listened one leaves both
  // Sally's and, live, Sam's; under "Listened" it is there.
  await row.waitFor({ state: "detached", timeout });
  await samRow.waitFor({ state: "detached", timeout });
  await sam.getByLabel("Status", { exact: true }).selectOption("listened");
  await samRow.locator(".dash-badge--listened").waitFor({ timeout });
  await sally.screenshot({ path: `${spec.shots}/voicemails-sales-agent.png`, fullPage: true });
  await sam.screenshot({ path: `${spec.shots}/voicemails-sales-supervisor.png`, fullPage: true });

  // Pat (support) saw none of it: once Pat has a later event for everyone,
  // Pat would have had the voicemail too.
  await notifyAll("E2E marker");
  await pat.locator(".kin-toast", { hasText: "E2E marker" }).waitFor({ timeout });
  if ((await pat.getByText("Eve Example").count()) > 0) await fail("the support agent saw the sales voicemail");

  // A forced reconnect misses nothing: Sally's connection drops, an event
  // for sales is published meanwhile, and after the automatic reconnect
  // (recovered) she has it.
  await sally.goto(spec.url + "/#/");
  await sally.getByText("Live", { exact: true }).waitFor({ timeout });
  const drop = await fetch(spec.url + "/__e2e/drop?user=demo-sales-1", { method: "POST" });
  if (drop.status !== 204) await fail(`drop answered ${drop.status}`);
  await publish(spec, "system_notification", { level: "info", message: "Sent while you were away", target: { kind: "department", value: "sales" } });
  await sally.getByText("Sent while you were away").first().waitFor({ timeout });
  // The connection state recovery of the reconnect (socket.recovered).
  await sally.getByText("reconnected, nothing missed").waitFor({ timeout });
  await sally.screenshot({ path: `${spec.shots}/overview-sales-agent-after-reconnect.png`, fullPage: true });

  // An offer made while Sally is not on the TaskRouter page is there when
  // she opens it (listed by the server, not only live).
  const wattrs = JSON.stringify({ userId: "demo-sales-1", department: "sales" });
  await webhook("/api/webhooks/taskrouter", { EventType: "worker.activity.update", Sid: "EVe2e1", WorkerSid: "WKe2e",
    WorkerName: "Sally Seller", WorkerAttributes: wattrs, WorkerActivityName: "Available", WorkerActivitySid: "WAavail",
    WorkerVersion: "1", TimestampMs: "1000" });
  await webhook("/api/webhooks/taskrouter", { EventType: "reservation.created", Sid: "EVe2e2", WorkerSid: "WKe2e",
    WorkerAttributes: wattrs, TaskSid: "WTe2e", ReservationSid: "WRe2e", TaskAttributes: JSON.stringify({ department: "sales" }),
    TaskQueueName: "Sales", TaskAssignmentStatus: "reserved", TaskVersion: "1", ReservationVersion: "0", TimestampMs: "2000" });
  await sally.goto(spec.url + "/#/taskrouter");
  try {
    await sally.locator('ul[aria-label="My offers"] li[data-id="WRe2e"]').waitFor({ timeout });
  } catch (err) {
    await sally.screenshot({ path: `${spec.shots}/debug-offers.png`, fullPage: true });
    const r = await sally.evaluate(async () => (await fetch("/api/taskrouter/offers")).text());
    console.error("offers API:", r);
    throw err;
  }
  await sally.screenshot({ path: `${spec.shots}/taskrouter-sales-agent.png`, fullPage: true });

  // Pat closes the page: the admin sees Pat go offline after the grace.
  await ada.locator('li[data-user-id="demo-support-1"][data-status="online"]').waitFor({ timeout });
  await pat.context().close();
  await ada.locator('li[data-user-id="demo-support-1"][data-status="offline"]').waitFor({ timeout: 20_000 });
  await ada.screenshot({ path: `${spec.shots}/overview-admin.png`, fullPage: true });
  for (const [hash, name] of [["#/conversations", "conversations"], ["#/taskrouter", "taskrouter"]]) {
    await ada.goto(spec.url + "/" + hash);
    await ada.getByRole("heading", { level: 2 }).first().waitFor({ timeout });
    await ada.screenshot({ path: `${spec.shots}/${name}-admin.png`, fullPage: true });
  }
  console.log("ok");
  await browser.close();
  process.exit(0);
} catch (err) {
  await fail(err?.stack ?? String(err));
}
