// nextjs.mjs: issue 16's browser scenario on examples/nextjs (next start)
// beside kinrt on another origin, in one of two modes:
//   cookie: kinrt on localhost, another port (same site: the NextAuth cookie reaches it);
//   token:  kinrt on 127.0.0.1 (another site: the page gets its token from /api/kinrt-token).
// Users sign in through next-auth's own sign-in form; a signed Twilio
// webhook makes a sales voicemail that appears live for two sales users;
// one marks it listened (kinrt's REST API, cross-origin) and the other sees
// it live; a supervisor's announcement (the app's route handler → the
// package's ./server → kinrt) toasts for sales and never reaches support.
//
// Usage: node nextjs.mjs '{"mode","next","kinrt","kinrtDirect","publicUrl","twilioToken","password","shots"}'
// Prints "ok" and exits 0, or prints the failure and exits 1.
import { chromium } from "playwright-core";
import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";

const spec = JSON.parse(process.argv[2]);
mkdirSync(spec.shots, { recursive: true });
const timeout = 20_000;
const shot = (page, name) => page.screenshot({ path: `${spec.shots}/nextjs-${spec.mode}-${name}.png`, fullPage: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const pages = new Map(); // username → page, for the failure report
const fail = async (msg) => {
  console.error(`FAIL (${spec.mode} mode) ${msg}`);
  for (const [name, page] of pages) {
    const errors = await page.locator(".app-error").allTextContents().catch(() => []);
    if (errors.length) console.error(`[${name}] on ${page.url()} shows: ${errors.join(" | ")}`);
  }
  await browser.close();
  process.exit(1);
};

// signIn goes through next-auth's sign-in page (the Credentials form) and
// lands on path, connected to kinrt.
async function signIn(username, path) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const page = await ctx.newPage();
  pages.set(username, page);
  page.on("pageerror", (err) => console.error(`[${username}] page error: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error") console.error(`[${username}] console: ${msg.text()}`);
  });
  await page.goto(`${spec.next}/api/auth/signin?callbackUrl=${encodeURIComponent(spec.next + path)}`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(spec.password);
  if (username === "sally") await shot(page, "signin");
  await page.getByRole("button", { name: "Sign in with Demo users" }).click();
  await page.waitForURL(spec.next + path, { timeout });
  await page.getByTestId("connection").getByText("Live", { exact: true }).waitFor({ timeout });
  return page;
}

// webhook posts a form signed as Twilio signs it (HMAC-SHA1 over the public
// URL and the sorted parameters).
async function webhook(path, params) {
  const form = { AccountSid: "AC00000000000000000000000000000000", ApiVersion: "2010-04-01", ...params };
  const data = spec.publicUrl + path + Object.keys(form).sort().map((k) => k + form[k]).join("");
  const sig = createHmac("sha1", spec.twilioToken).update(data).digest("base64");
  const res = await fetch(spec.kinrtDirect + path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sig },
    body: new URLSearchParams(form).toString(),
  });
  if (res.status >= 300) await fail(`${path} answered ${res.status}: ${await res.text()}`);
}

// announce sends an announcement from the /announce page of a supervisor or admin.
async function announce(page, department, message) {
  await page.getByLabel("Department").selectOption(department);
  await page.getByLabel("Message").fill(message);
  await page.getByRole("button", { name: "Send announcement" }).click();
  await page.getByRole("status").filter({ hasText: `Sent to ${department}: ${message}` }).waitFor({ timeout });
}

try {
  const sally = await signIn("sally", "/voicemails"); // sales agent
  const sam = await signIn("sam", "/voicemails"); // sales supervisor
  const pat = await signIn("pat", "/"); // support agent
  const ada = await signIn("ada", "/announce"); // admin

  // The first pages came through kinrt's REST API, cross-origin.
  for (const page of [sally, sam]) await page.locator('[data-testid="voicemails"][data-loaded="true"]').waitFor({ state: "attached", timeout });
  // Presence: Pat sees the support team (Pat online), not sales.
  await pat.getByTestId("team").getByRole("img", { name: "Pat Helper: Online" }).waitFor({ timeout });

  // The mode is what it says: the session cookie reaches kinrt only on the same site.
  const meWithCookie = await sally.evaluate(async (url) => (await fetch(url + "/api/me", { credentials: "include" })).status, spec.kinrt);
  if (meWithCookie !== (spec.mode === "cookie" ? 200 : 401)) await fail(`GET /api/me with the browser's cookies answered ${meWithCookie}`);

  // A signed inbound call that goes to voicemail, for sales.
  const call = { CallSid: "CAnext0001", From: "+15559990001", To: "+15550001111", Direction: "inbound", CallerName: "Eve Example" };
  await webhook("/api/webhooks/twilio/voice", { ...call, CallStatus: "ringing" });
  await webhook("/api/webhooks/twilio/recording?kind=voicemail", {
    ...call, RecordingSid: "REnext0001", RecordingStatus: "completed", RecordingDuration: "12",
    RecordingUrl: "https://api.twilio.com/2010-04-01/Accounts/AC0/Recordings/REnext0001", RecordingSource: "RecordVerb",
  });
  const row = (page, status = "") =>
    page.locator(`[data-testid="voicemail"]${status && `[data-status="${status}"]`}`, { hasText: "Eve Example" });
  await row(sally, "new").waitFor({ timeout });
  await row(sam, "new").waitFor({ timeout });
  await sally.locator(".kin-toast", { hasText: "New voicemail" }).first().waitFor({ timeout });

  // Sally marks it listened (PATCH on kinrt); Sam's open list follows, live.
  await row(sally).getByRole("button", { name: "Mark listened" }).click();
  await row(sally, "listened").waitFor({ timeout });
  await row(sam, "listened").waitFor({ timeout });
  await shot(sally, "voicemails-sales-agent");
  await shot(sam, "voicemails-sales-supervisor");

  // The app's routes check who asks: an agent may not announce, a supervisor
  // only to their own department, and the token route wants a session.
  const postAnnounce = (page, department) => page.evaluate(async (department) =>
    (await fetch("/api/announce", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ department, message: "no" }) })).status, department);
  if ((await postAnnounce(sally, "sales")) !== 403) await fail("an agent could announce");
  if ((await postAnnounce(sam, "support")) !== 403) await fail("the sales supervisor could announce to support");
  const anonymous = await fetch(spec.next + "/api/kinrt-token");
  if (anonymous.status !== 401) await fail(`/api/kinrt-token without a session answered ${anonymous.status}`);

  // Sam announces to sales: Sally gets the toast.
  await sam.goto(spec.next + "/announce");
  await sam.getByTestId("connection").getByText("Live", { exact: true }).waitFor({ timeout });
  const salesNews = `Sales stand-up at 3 (${spec.mode})`;
  await announce(sam, "sales", salesNews);
  await sally.locator(".kin-toast", { hasText: salesNews }).waitFor({ timeout });
  await shot(sally, "toast-sales-agent");

  // Then Ada announces to support. Events to one socket keep their order:
  // once Pat has this one, Pat would already have had the sales one (and the
  // voicemail) had they been sent to Pat.
  const supportNews = `Support: new macros are live (${spec.mode})`;
  await announce(ada, "support", supportNews);
  await shot(ada, "announce-admin");
  await pat.getByTestId("announcements").getByText(supportNews).waitFor({ timeout });
  await pat.locator(".kin-toast", { hasText: supportNews }).waitFor({ timeout });
  if ((await pat.getByText(salesNews).count()) > 0) await fail("the support agent got the sales announcement");
  if ((await pat.getByTestId("count-voicemails").textContent()) !== "0") await fail("the support agent got the sales voicemail");
  if ((await pat.getByText("Eve Example").count()) > 0) await fail("the support agent saw the sales voicemail");
  await shot(pat, "overview-support-agent");

  console.log("ok");
  await browser.close();
  process.exit(0);
} catch (err) {
  await fail(err?.stack ?? String(err));
}
