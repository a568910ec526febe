// kin.mjs: the helpers the browser scripts of this folder share: Debian's
// Chromium through playwright-core, the demo's sign-in page, Twilio-signed
// webhooks and the internal events API.
import { chromium } from "playwright-core";
import { createHmac } from "node:crypto";

/** How long a condition may take to hold, in ms. */
export const timeout = 15_000;

/** launch starts Debian's Chromium (no downloads); fail(msg) prints FAIL msg, closes it and exits 1. */
export async function launch() {
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
  return { browser, fail };
}

/**
 * signIn opens a context of its own (options: viewport, and so on), signs in
 * as the demo user named name through /signin, opens hash if any and waits
 * for the live connection. onError, if given, gets every console error and
 * page error; otherwise page errors are printed. init, if given, is a
 * script each page of the context runs before its own.
 */
export async function signIn(browser, url, name, { hash = "", onError, init, ...options } = {}) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  if (init) await ctx.addInitScript(init);
  const page = await ctx.newPage();
  page.on("pageerror", (err) => (onError ? onError(`page error: ${err.message}`) : console.error(`[${name}] page error: ${err.message}`)));
  if (onError) {
    page.on("console", (msg) => {
      if (msg.type() === "error") onError(`console error: ${msg.text()} (${msg.location().url})`);
    });
  }
  await page.goto(url + "/signin");
  await page.getByRole("button", { name: new RegExp(name) }).click();
  await page.waitForURL(url + "/", { timeout });
  if (hash) await page.goto(url + "/" + hash);
  await page.getByText("Live", { exact: true }).waitFor({ timeout });
  return page;
}

/**
 * webhook posts a form to the service at url + path, signed as Twilio signs
 * it (HMAC-SHA1 of publicUrl + path and the sorted parameters, keyed with
 * the auth token); it throws unless the answer is a success.
 */
export async function webhook({ url, publicUrl, twilioToken }, path, params) {
  const form = { AccountSid: "AC00000000000000000000000000000000", ApiVersion: "2010-04-01", ...params };
  const data = publicUrl + path + Object.keys(form).sort().map((k) => k + form[k]).join("");
  const sig = createHmac("sha1", twilioToken).update(data).digest("base64");
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", "x-twilio-signature": sig },
    body: new URLSearchParams(form).toString(),
  });
  if (res.status >= 300) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
}

/** publish sends an event through the internal API; it throws unless accepted. */
export async function publish({ url, apiKey }, type, data) {
  const res = await fetch(url + "/api/internal/events", {
    method: "POST",
    headers: { authorization: "Bearer " + apiKey, "content-type": "application/json" },
    body: JSON.stringify({ type, data }),
  });
  if (res.status !== 202) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
}
