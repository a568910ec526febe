// browser.mjs: the dashboard in a real browser (Debian's Chromium driven by
// playwright-core, no downloads). Two demo users sign in through /signin in
// two browser contexts; a notification to the sales department must toast
// for the sales agent and never for the support agent.
//
// Usage: node browser.mjs '{"url": "...", "apiKey": "...", "shots": "dir"}'
// Prints "ok" and exits 0, or prints the failure and exits 1.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const spec = JSON.parse(process.argv[2]);
mkdirSync(spec.shots, { recursive: true });
const timeout = 15_000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const fail = async (msg) => {
  console.error("FAIL " + msg);
  await browser.close();
  process.exit(1);
};

async function signIn(name) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  page.on("pageerror", (err) => console.error(`[${name}] page error: ${err.message}`));
  await page.goto(spec.url + "/signin");
  await page.getByRole("button", { name: new RegExp(name) }).click();
  await page.waitForURL(spec.url + "/", { timeout });
  await page.getByText("Live", { exact: true }).waitFor({ timeout });
  return page;
}

async function publish(data) {
  const res = await fetch(spec.url + "/api/internal/events", {
    method: "POST",
    headers: { authorization: "Bearer " + spec.apiKey, "content-type": "application/json" },
    body: JSON.stringify({ type: "system_notification", data }),
  });
  if (res.status !== 202) await fail(`publish answered ${res.status}: ${await res.text()}`);
}

try {
  const signin = await (await browser.newContext()).newPage();
  await signin.goto(spec.url + "/signin");
  await signin.screenshot({ path: `${spec.shots}/signin.png`, fullPage: true });

  const sally = await signIn("Sally Seller");
  const pat = await signIn("Pat Helper");

  await publish({ level: "warning", title: "Queue", message: "E2E hello sales", target: { kind: "department", value: "sales" } });
  await sally.locator(".kin-toast", { hasText: "E2E hello sales" }).waitFor({ timeout });
  await sally.screenshot({ path: `${spec.shots}/dashboard-sales-agent.png`, fullPage: true });

  // An event for everyone: once Pat has it, Pat would have had the first.
  await publish({ level: "info", title: "All", message: "E2E for everyone", target: { kind: "all" } });
  await pat.locator(".kin-toast", { hasText: "E2E for everyone" }).waitFor({ timeout });
  if ((await pat.getByText("E2E hello sales").count()) > 0) await fail("the support agent saw the sales notification");
  await pat.screenshot({ path: `${spec.shots}/dashboard-support-agent.png`, fullPage: true });
  console.log("ok");
  await browser.close();
  process.exit(0);
} catch (err) {
  await fail(err?.stack ?? String(err));
}
