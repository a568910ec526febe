// browser.mjs: the dashboard in a real browser (Debian's Chromium driven by
// playwright-core, no downloads). Two demo users sign in through /signin in
// two browser contexts; a notification to the sales department must toast
// for the sales agent and never for the support agent.
//
// Usage: node browser.mjs '{"url": "...", "apiKey": "...", "shots": "dir"}'
// Prints "ok" and exits 0, or prints the failure and exits 1.
import { mkdirSync } from "node:fs";
import { launch, publish as send, signIn as open, timeout } from "./kin.mjs";

const spec = JSON.parse(process.argv[2]);
mkdirSync(spec.shots, { recursive: true });
const { browser, fail } = await launch();
const signIn = (name) => open(browser, spec.url, name);
const publish = (data) => send(spec, "system_notification", data);

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
