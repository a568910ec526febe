// presence.mjs: the dashboard in the watched presence scope
// (KIN_PRESENCE_SCOPE=watched), in Debian's Chromium. Sam Sales signs in,
// then Sally Seller, whose team list shows Sam and so watches him
// (presence:watch); Sam's status change and his going offline reach
// Sally's list live, which in this scope only a watch can bring.
//
// Usage: node presence.mjs '{"url": "...", "shots": "dir"}'
// Prints "ok" and exits 0, or prints the failure and exits 1.
import { mkdirSync } from "node:fs";
import { launch, signIn as open, timeout } from "./kin.mjs";

const spec = JSON.parse(process.argv[2]);
mkdirSync(spec.shots, { recursive: true });
const { browser, fail } = await launch();
const signIn = (name) => open(browser, spec.url, name);

try {
  const sam = await signIn("Sam Sales");
  const sally = await signIn("Sally Seller");
  const samInSallys = sally.locator(".kin-team__member", { hasText: "Sam Sales" });
  const status = async (want) => {
    await sally.locator(`.kin-team__member[data-status="${want}"]`, { hasText: "Sam Sales" }).waitFor({ timeout });
  };
  await samInSallys.waitFor({ timeout });
  await status("online");

  await sam.getByLabel("My status").selectOption("busy");
  await status("busy");
  await sally.screenshot({ path: `${spec.shots}/presence-watched-busy.png`, fullPage: true });

  await sam.context().close(); // offline once the grace period (5 s) is over
  await status("offline");
  await sally.screenshot({ path: `${spec.shots}/presence-watched-offline.png`, fullPage: true });
  console.log("ok");
  await browser.close();
  process.exit(0);
} catch (err) {
  await fail(err?.stack ?? String(err));
}
