// walk.mjs: issue 17's walk through the demo. As the admin, the sales
// supervisor and a sales agent, on a desktop (1280×800) and a phone
// (375×667), each in a context of its own: every page shows its content,
// routed for the role (the admin sees support's records and department,
// sales does not); a signed webhook updates the open page live (no reload);
// a toast's link and a feed item's link land on their record, marked; at
// most 3 toasts show (1 on a phone) with "+N more" for the rest, and they
// never cover the page; on a phone the team and the feed are both near the
// top; and no console error or page error happens. Screenshots go to
// spec.shots as walk-{role}-{viewport}-{step}.png.
//
// Usage: node walk.mjs '{"url","publicUrl","twilioToken","shots"}'
import { mkdirSync } from "node:fs";
import { launch, signIn, timeout, webhook } from "./kin.mjs";

const spec = JSON.parse(process.argv[2]);
mkdirSync(spec.shots, { recursive: true });
const SALES = "+15550001111";
const SUPPORT = "+15550002222";

const ROLES = [
  { key: "admin", name: "Ada Admin", departments: ["sales", "support"] },
  { key: "supervisor", name: "Sam Sales", departments: ["sales"] },
  { key: "agent", name: "Sally Seller", departments: ["sales"] },
];
const VIEWPORTS = [
  { key: "desktop", options: { viewport: { width: 1280, height: 800 } }, toasts: 3 },
  { key: "phone", options: { viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true }, toasts: 1 },
];

const { browser, fail } = await launch();
const hook = (path, params) => webhook(spec, path, params);
const check = (ok, msg) => {
  if (!ok) throw new Error(msg);
};

// A call that rings; with a recording it becomes a voicemail.
async function call(sid, from, to, callerName, voicemail) {
  const c = { CallSid: sid, From: from, To: to, Direction: "inbound", CallerName: callerName };
  await hook("/api/webhooks/twilio/voice", { ...c, CallStatus: "ringing" });
  if (!voicemail) return;
  await hook("/api/webhooks/twilio/recording?kind=voicemail", {
    ...c, RecordingSid: "RE" + sid.slice(2), RecordingStatus: "completed", RecordingDuration: "7",
    RecordingUrl: `https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/RE${sid.slice(2)}`, RecordingSource: "RecordVerb",
  });
}
const sms = (sid, from, to, body) => hook("/api/webhooks/twilio/sms", { MessageSid: sid, From: from, To: to, Body: body, NumMedia: "0" });
let ts = Date.now();
const task = (sid, name, from, department) =>
  hook("/api/webhooks/taskrouter", {
    EventType: "task.created", Sid: "EV" + sid.slice(2), TaskSid: sid, ResourceSid: sid, TaskAssignmentStatus: "pending",
    TaskAttributes: JSON.stringify({ type: "call", name, from, department }), TaskQueueName: department,
    TaskChannelUniqueName: "voice", TaskVersion: "0", TaskPriority: "0", TimestampMs: String(++ts),
  });

// An offer of a new task to Simon Seller (sales): TaskRouter's
// reservation.created, which makes the task and its task_assigned event
// (task.created makes none).
const offer = (sid, name, from) =>
  hook("/api/webhooks/taskrouter", {
    EventType: "reservation.created", Sid: "EV" + sid.slice(2) + "r", TaskSid: sid, ReservationSid: "WR" + sid.slice(2),
    WorkerSid: "WKsimon", WorkerName: "Simon Seller", WorkerAttributes: JSON.stringify({ userId: "demo-sales-2", department: "sales" }),
    TaskAttributes: JSON.stringify({ type: "call", name, from, department: "sales" }), TaskQueueName: "sales",
    TaskAssignmentStatus: "reserved", TaskVersion: "1", ReservationVersion: "0", TimestampMs: String(++ts),
  });

// probe runs in each page before the dashboard: it counts the permission
// requests, desktop notifications and chimes (oscillators) of the alert
// toggles, and makes the tab look hidden while __probe.hidden is set.
function probe() {
  const p = (window.__probe = { requests: 0, answers: [], notes: [], chimes: 0, hidden: false });
  const N = window.Notification;
  if (N) {
    const request = N.requestPermission.bind(N);
    N.requestPermission = async (...args) => {
      p.requests++;
      const answer = await request(...args);
      p.answers.push(answer);
      return answer;
    };
    window.Notification = new Proxy(N, {
      construct(target, args) {
        p.notes.push(args[0]);
        return Reflect.construct(target, args);
      },
    });
  }
  Object.defineProperty(Document.prototype, "visibilityState", { get: () => (p.hidden ? "hidden" : "visible") });
  Object.defineProperty(Document.prototype, "hidden", { get: () => p.hidden });
  const oscillator = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () {
    p.chimes++;
    return oscillator.call(this);
  };
}

// inView: the element is wholly on the screen (its top at least).
async function inView(page, locator, what) {
  await locator.waitFor({ timeout });
  const r = await locator.evaluate((el) => {
    const b = el.getBoundingClientRect();
    return { top: b.top, bottom: b.bottom, height: window.innerHeight };
  });
  check(r.top >= 0 && r.top < r.height, `${what} is off the screen: ${JSON.stringify(r)}`);
}

// A box of the first element matching selector, in the viewport's coordinates.
const box = (page, selector) =>
  page.evaluate((s) => {
    const el = document.querySelector(s);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height };
  }, selector);

async function walk(role, vp, n) {
  const tag = `${role.key}-${vp.key}`;
  // What the screen shows (scrolled to a record when one is linked); the
  // overview's shots show the whole page on a desktop, from its top (a
  // full-page capture draws the sticky header where the page is scrolled,
  // and a phone's fixed toast bar in the middle of the page).
  const shot = async (page, step) => {
    const full = vp.key === "desktop" && (step === "overview" || step === "live");
    if (full) await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${spec.shots}/walk-${tag}-${step}.png`, fullPage: full });
  };
  const errors = [];
  const page = await signIn(browser, spec.url, role.name, { ...vp.options, init: probe, onError: (e) => errors.push(e) });
  const admin = role.key === "admin";
  const seesOnly = async (locator, visible, what) => {
    if (visible) await locator.first().waitFor({ timeout });
    else check((await locator.count()) === 0, `${tag}: ${what} is shown, it is not this role's`);
  };

  // The header names the user and the role, each once.
  const me = (await page.locator(".dash-me").textContent()).trim();
  check(me.startsWith(role.name) && me.endsWith(`· ${role.key}`) && me.split(role.key).length === 2, `${tag}: the header reads "${me}"`);

  // The overview: the floor routed for the role, the feed and the team.
  await page.locator('.dash-floor li[data-stat="calls"] .dash-tile__big').waitFor({ timeout });
  const departments = await page.locator(".dash-floor .dash-tile--queue [data-department]").evaluateAll((els) => els.map((e) => e.dataset.department).sort());
  check(JSON.stringify(departments) === JSON.stringify(role.departments), `${tag}: the floor's queue shows ${departments}, want ${role.departments}`);
  const agents = await page.locator(".dash-floor .dash-tile--agents").textContent();
  check(agents.includes("Sally Seller"), `${tag}: the floor's agents lack Sally Seller: ${agents}`);
  check(agents.includes("Pat Helper") === admin, `${tag}: the floor's agents ${admin ? "lack" : "show"} Pat Helper (support): ${agents}`);
  await page.locator(".kin-feed").waitFor({ timeout });
  await page.locator(".kin-team").waitFor({ timeout });
  await seesOnly(page.locator(".kin-feed__item", { hasText: "Bert Sales-Caller" }), true, "sales' voicemail in the feed");
  await seesOnly(page.locator(".kin-feed__item", { hasText: "Olga Support-Caller" }), admin, "support's voicemail in the feed");
  if (vp.key === "phone") {
    // The team first, in a box of its own height; the feed right below it,
    // both reached without scrolling past the other.
    const team = await box(page, ".dash-columns > .dash-panel:has(.kin-team)");
    const feed = await box(page, ".dash-columns > .dash-panel:has(.kin-feed)");
    check(team.top < feed.top && feed.top - team.bottom < 40 && team.height <= 260,
      `${tag}: the team (${JSON.stringify(team)}) and the feed (${JSON.stringify(feed)}) are not both near the top`);
  }
  await shot(page, "overview");

  // The alert toggles: nothing is asked on load; a click turns the sound
  // on, another asks for the permission of desktop notifications.
  check((await page.evaluate(() => window.__probe.requests)) === 0, `${tag}: the notification permission was asked on load`);
  await page.getByRole("button", { name: "Sound", exact: true }).click();
  await page.locator('.kin-alerts__toggle[aria-pressed="true"]', { hasText: "Sound" }).waitFor({ timeout });
  const desktop = page.getByRole("button", { name: "Desktop alerts", exact: true });
  await desktop.click();
  await page.waitForFunction(() => window.__probe.requests === 1 && window.__probe.answers.length === 1, null, { timeout });
  // Headless Chromium shows no prompt (the answer is no): the test grants
  // the permission and the user clicks again.
  await page.context().grantPermissions(["notifications"]);
  if ((await desktop.getAttribute("aria-pressed")) !== "true") await desktop.click();
  await page.locator('.kin-alerts__toggle[aria-pressed="true"]', { hasText: "Desktop alerts" }).waitFor({ timeout });

  // A live update: a call to sales adds one to today's calls and reaches
  // the feed, on the page as it is (a reload would lose the marker); with
  // the tab hidden it chimes and shows a desktop notification.
  const today = page.locator('.dash-floor li[data-stat="calls"] .dash-tile__big');
  const before = Number(await today.textContent());
  await page.evaluate(() => {
    window.__walk = true;
    window.__probe.hidden = true;
  });
  const caller = `Walker ${n}`;
  await call(`CAwalk${n}`, `+1555100000${n}`, SALES, caller, true);
  await page.waitForFunction((want) => document.querySelector('.dash-floor li[data-stat="calls"] .dash-tile__big')?.textContent === want, String(before + 1), { timeout });
  await page.locator(".kin-feed__item", { hasText: caller }).first().waitFor({ timeout });
  check(await page.evaluate(() => window.__walk === true), `${tag}: the page reloaded`);
  await page.waitForFunction(() => window.__probe.chimes > 0 && window.__probe.notes.length > 0, null, { timeout });
  await page.evaluate(() => (window.__probe.hidden = false));
  await shot(page, "live");

  // The voicemail's toast links to it: its page opens with it marked.
  await page.locator(".kin-toast", { hasText: /voicemail/i }).filter({ hasText: caller }).locator("a.kin-toast__link").click();
  await page.waitForURL(/#\/voicemails\/[^/]+$/, { timeout });
  await page.locator("li.dash-row.dash-row--target", { hasText: caller }).waitFor({ timeout });
  await inView(page, page.getByRole("heading", { name: caller }), `${tag}: the linked voicemail's player`);
  await seesOnly(page.locator("li.dash-row", { hasText: "Bert Sales-Caller" }), true, "sales' voicemail");
  await seesOnly(page.locator("li.dash-row", { hasText: "Olga Support-Caller" }), admin, "support's voicemail");
  await shot(page, "voicemail");

  // Conversations: routed for the role; a new message's row arrives live
  // and its toast links to the conversation.
  await page.goto(spec.url + "/#/conversations");
  await page.getByRole("heading", { name: "Conversations", level: 2 }).waitFor({ timeout });
  await seesOnly(page.locator("li.dash-row", { hasText: "+15550007003" }), true, "sales' conversation");
  await seesOnly(page.locator("li.dash-row", { hasText: "+15550007002" }), admin, "support's conversation");
  await page.evaluate(() => (window.__walk = true));
  const texter = `+1555200000${n}`;
  await sms(`SMwalk${n}`, texter, SALES, `Hello from walk ${n}`);
  await page.locator("li.dash-row", { hasText: texter }).waitFor({ timeout });
  await page.locator(".kin-toast", { hasText: `Hello from walk ${n}` }).locator("a.kin-toast__link").click();
  await page.waitForURL(/#\/conversations\/[^/]+$/, { timeout });
  await page.locator("li.dash-row.dash-row--target", { hasText: texter }).waitFor({ timeout });
  await inView(page, page.locator(".dash-split__detail h3", { hasText: texter }), `${tag}: the linked conversation's messages`);
  await page.locator(".dash-messages", { hasText: `Hello from walk ${n}` }).waitFor({ timeout });
  check(await page.evaluate(() => window.__walk === true), `${tag}: the page reloaded`);
  await shot(page, "conversation");

  // TaskRouter: routed for the role; a new task arrives live.
  await page.goto(spec.url + "/#/taskrouter");
  await page.getByRole("heading", { name: "TaskRouter", level: 2 }).waitFor({ timeout });
  const tasks = page.locator('ul[aria-label="Open tasks"] li.dash-row');
  await seesOnly(tasks.filter({ hasText: "Tom Sales-Task" }), true, "sales' task");
  await seesOnly(tasks.filter({ hasText: "Tina Support-Task" }), admin, "support's task");
  const taskSid = `WTwalk${n}`;
  await offer(taskSid, `Task Walker ${n}`, `+1555300000${n}`);
  await tasks.filter({ hasText: `Task Walker ${n}` }).waitFor({ timeout });
  await shot(page, "taskrouter");

  // The feed's item of the task links to it.
  await page.goto(spec.url + "/#/");
  await page.locator("a.kin-feed__link", { hasText: `Task Walker ${n}` }).first().click();
  await page.waitForURL(new RegExp(`#/taskrouter/${taskSid}$`), { timeout });
  await inView(page, page.locator(`li.dash-row.dash-row--target[data-id="${taskSid}"]`), `${tag}: the linked task`);
  await shot(page, "task");

  // Many toasts at once: at most vp.toasts show, the rest behind "+N more";
  // they cover nothing.
  await page.goto(spec.url + "/#/");
  await page.locator(".dash-floor").waitFor({ timeout });
  const burst = 5;
  for (let k = 0; k < burst; k++) await call(`CAburst${n}x${k}`, `+155540000${n}${k}`, SALES, `Burst ${n}.${k}`, false);
  await page.waitForFunction(
    ([cap, atLeast]) => {
      const shown = document.querySelectorAll(".kin-toasts .kin-toast").length;
      const more = Array.from(document.querySelectorAll(".kin-toasts__more-button"))
        .map((b) => /^\+(\d+) more$/.exec(b.textContent ?? ""))
        .find(Boolean);
      return shown === cap && more && Number(more[1]) >= atLeast;
    },
    [vp.toasts, burst - vp.toasts],
    { timeout },
  );
  await page.locator(".kin-toast").first().hover(); // pauses their timers
  check(await page.evaluate(([cap]) => document.querySelectorAll(".kin-toasts .kin-toast").length <= cap, [vp.toasts]), `${tag}: more than ${vp.toasts} toasts`);
  if (vp.key === "desktop") {
    // In the header's flow: at the top of the page, the page starts below them.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.waitForFunction(() => window.scrollY === 0, null, { timeout });
    const header = await box(page, ".dash-header");
    const region = await box(page, ".dash-toasts");
    const main = await box(page, "#main");
    check(region.top >= header.top && region.bottom <= header.bottom + 0.5 && main.top >= header.bottom - 0.5,
      `${tag}: the toasts (${JSON.stringify(region)}) are not within the header (${JSON.stringify(header)}) above the page (${JSON.stringify(main)})`);
  } else {
    // A bar at the bottom; scrolled to the end, the page ends above it.
    await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
    await page.waitForFunction(() => Math.abs(window.scrollY + window.innerHeight - document.documentElement.scrollHeight) < 2, null, { timeout });
    const region = await box(page, ".dash-toasts");
    const main = await box(page, "#main .dash-page:not([hidden])");
    check(main.bottom <= region.top + 0.5, `${tag}: the toast bar (${JSON.stringify(region)}) covers the end of the page (${JSON.stringify(main)})`);
  }
  await page.screenshot({ path: `${spec.shots}/walk-${tag}-toasts.png` });
  await page.getByRole("button", { name: "Dismiss all" }).click();
  await page.locator(".kin-toast").first().waitFor({ state: "detached", timeout });

  check(errors.length === 0, `${tag}: ${errors.join("\n")}`);
  await page.context().close();
}

try {
  // Records of both departments, made before anyone signs in.
  await call("CAbase1", "+15550007001", SUPPORT, "Olga Support-Caller", true);
  await call("CAbase2", "+15550007004", SALES, "Bert Sales-Caller", true);
  await sms("SMbase1", "+15550007002", SUPPORT, "A support question");
  await sms("SMbase2", "+15550007003", SALES, "A sales question");
  await task("WTbase1", "Tina Support-Task", "+15550007005", "support");
  await task("WTbase2", "Tom Sales-Task", "+15550007006", "sales");

  let n = 0;
  for (const role of ROLES) {
    for (const vp of VIEWPORTS) {
      const start = Date.now();
      await walk(role, vp, n++);
      console.log(`walked ${role.key} ${vp.key} in ${Date.now() - start} ms`);
    }
  }
  console.log("ok");
  await browser.close();
  process.exit(0);
} catch (err) {
  await fail(err?.stack ?? String(err));
}
