// No framing: a page of another origin that frames the tool gets nothing it could trick an
// admin into clicking. The host's headers (the shipped dist/_headers, which the emulator
// serves) make the browser refuse the frame; a host that sends no header still gets a tool
// that refuses to run there: no configuration read, no sign-in, no write. MSAL's redirect
// page stays frameable by the tool's own origin (silent sign-in's hidden iframe).
import { test } from "node:test";
import assert from "node:assert/strict";
import { openSession, screenshot, tenantWrites } from "./support.mjs";

/**
 * A page of another origin that frames `src` full-size, as a clickjacking page would, served
 * from `localhost` (another origin than the tool's `127.0.0.1`).
 */
async function frameFrom(page, src) {
  const attacker = `https://localhost:${new URL(src).port}/attack.html`;
  await page.route(attacker, (route) => route.fulfill({
    contentType: "text/html",
    body: `<!doctype html><title>Win a prize</title><h1>Click the button to win</h1>
      <iframe id="victim" src="${src}" style="width:1000px;height:600px;border:0"></iframe>`,
  }));
  await page.goto(attacker);
}

/** Requests the browser sent to the tool's origin or to Microsoft, after `from`. */
const sentSince = (browser, from) => browser.requests.slice(from);

test("the tool framed by another origin is refused by the shipped headers and by the tool itself", async (t) => {
  // A real attacker's page and the real tool are both on the internet; here the tool is on a
  // loopback address, which Chromium's local-network checks would keep the attacker's page
  // from framing before the tool's own defences are reached. Those checks are off for this test.
  const { emulator, browser, page } = await openSession(t, {
    scenario: "demo",
    extraArgs: ["--disable-features=LocalNetworkAccessChecks"],
  });

  // 1. The host sends the shipped headers: the browser does not render the tool in the frame.
  const before = browser.requests.length;
  const blocked = page.waitForEvent("response", (r) => r.url() === `${emulator.base}/`);
  await frameFrom(page, `${emulator.base}/`);
  const answer = await blocked;
  assert.equal(await answer.headerValue("content-security-policy"), "frame-ancestors 'none'");
  assert.equal(await answer.headerValue("x-frame-options"), "DENY");
  await page.waitForTimeout(1500);
  const frame = page.frames().find((f) => f !== page.mainFrame());
  assert.ok(frame, "the frame exists");
  assert.equal(await frame.locator("[data-testid]").count().catch(() => 0), 0, "nothing of the tool rendered in the frame");
  assert.deepEqual(sentSince(browser, before).filter((u) => /config\.json|\.wasm|oauth2/.test(u)), [],
    "the blocked frame loaded neither the app nor a sign-in");
  await screenshot(page, "framing-blocked-by-header");

  // 2. A host that sends no framing header: the tool loads in the frame, sees it is framed,
  // and shows a refusal instead of itself.
  await page.context().route(`${emulator.base}/`, async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers["content-security-policy"];
    delete headers["x-frame-options"];
    await route.fulfill({ response, headers });
  });
  const fromHere = browser.requests.length;
  await frameFrom(page, `${emulator.base}/`);
  const victim = page.frameLocator("#victim");
  const refusal = victim.getByTestId("framed");
  await refusal.waitFor({ timeout: 20_000 });
  assert.match(await refusal.innerText(), /does not run inside another page/);
  assert.equal(await victim.getByTestId("sign-in").count(), 0, "no sign-in button in the frame");
  await page.waitForTimeout(1000);
  const sent = sentSince(browser, fromHere);
  assert.deepEqual(sent.filter((u) => /config\.json|login\.microsoftonline\.com|dynamics\.com|graph\.microsoft\.com/.test(u)), [],
    `the framed tool read no configuration and never signed in: ${sent.join(", ")}`);
  await screenshot(page, "framing-refused-by-the-tool");
  await page.context().unroute(`${emulator.base}/`);

  // 3. The redirect page may be framed by the tool's own origin (MSAL's hidden iframe) …
  await page.goto(`${emulator.base}/`);
  const own = await page.evaluate(async (src) => {
    const frame = document.createElement("iframe");
    frame.src = src;
    const loaded = new Promise((resolve) => { frame.onload = resolve; });
    document.body.append(frame);
    await loaded;
    try {
      return frame.contentDocument?.location.pathname ?? "no document";
    } catch (error) {
      return `blocked: ${error}`;
    }
  }, `${emulator.base}/redirect.html`);
  assert.equal(own, "/redirect.html", "the tool's own page frames its redirect page");
  // … and by no other.
  const redirectAnswer = page.waitForEvent("response", (r) => r.url() === `${emulator.base}/redirect.html`);
  await frameFrom(page, `${emulator.base}/redirect.html`);
  assert.equal(await (await redirectAnswer).headerValue("content-security-policy"), "frame-ancestors 'self'");

  const state = await emulator.state();
  assert.deepEqual(tenantWrites(state), [], "nothing was written");
});
