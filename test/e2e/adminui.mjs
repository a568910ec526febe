// adminui.mjs: the Socket.IO admin UI that npm @socket.io/admin-ui ships
// (ui/dist, served by the Go test from another origin) in Debian's
// Chromium, signed in to a kinrt node: a wrong password is refused, the
// configured credentials are accepted, and the UI lists the node's
// sockets (two demo users signed in through /signin, in contexts of their
// own) and their rooms.
//
// Usage: node adminui.mjs '{"url": kinrt, "ui": the UI's URL, "username": "...", "password": "...", "shots": "dir"}'
// Prints "ok" and exits 0, or prints the failure and exits 1.
import { mkdirSync } from "node:fs";
import { launch, signIn as open, timeout } from "./kin.mjs";

const spec = JSON.parse(process.argv[2]);
mkdirSync(spec.shots, { recursive: true });
const { browser, fail } = await launch();

try {
  await open(browser, spec.url, "Sally Seller");
  await open(browser, spec.url, "Pat Helper");
  const res = await fetch(spec.url + "/__e2e/sockets");
  const sockets = await res.json();
  if (sockets.length !== 2) await fail(`the node has ${sockets.length} sockets on "/", want 2: ${JSON.stringify(sockets)}`);

  const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  // The UI's index.html asks Google Fonts and jsDelivr for fonts: there is
  // no internet here, so those fail at once instead of hanging.
  await ctx.route(/fonts\.googleapis\.com|cdn\.jsdelivr\.net/, (route) => route.abort());
  const page = await ctx.newPage();
  page.on("pageerror", (err) => console.error(`[admin UI] page error: ${err.message}`));
  await page.goto(spec.ui + "/");
  // settled waits for the UI's transitions (page slides, dialog fades) to end.
  const settled = () => page.waitForFunction(() => document.getAnimations().every((a) => a.playState !== "running"), null, { timeout });

  const signIn = async (password) => {
    await page.getByLabel("Server URL").fill(spec.url);
    await page.getByLabel("Username").fill(spec.username);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Connect" }).click();
  };
  await signIn("not-the-password");
  await page.getByText("Invalid credentials").waitFor({ timeout });
  await page.screenshot({ path: `${spec.shots}/admin-ui-refused.png` });

  await signIn(spec.password);
  await page.getByRole("button", { name: "Connect" }).waitFor({ state: "hidden", timeout });
  // The dashboard's namespaces come with the first server_stats.
  for (const nsp of ["/", "/admin"]) await page.getByRole("cell", { name: nsp, exact: true }).waitFor({ timeout });
  await settled();
  await page.screenshot({ path: `${spec.shots}/admin-ui-dashboard.png` });

  await page.goto(spec.ui + "/#/sockets/");
  for (const s of sockets) await page.getByText(s.id, { exact: true }).waitFor({ timeout });
  await settled();
  await page.screenshot({ path: `${spec.shots}/admin-ui-sockets.png` });

  await page.goto(spec.ui + "/#/rooms/");
  const rooms = [...new Set(sockets.flatMap((s) => s.rooms.filter((r) => r !== s.id)))];
  for (const want of ["user-", "department-"]) {
    if (!rooms.some((r) => r.startsWith(want))) await fail(`no ${want}… room among ${rooms}`);
  }
  for (const r of rooms) await page.getByRole("cell", { name: r, exact: true }).waitFor({ timeout });
  await settled();
  await page.screenshot({ path: `${spec.shots}/admin-ui-rooms.png` });

  console.log(`ok: ${sockets.length} sockets, rooms ${rooms.join(", ")}`);
  await browser.close();
  process.exit(0);
} catch (err) {
  await fail(err?.stack ?? String(err));
}
