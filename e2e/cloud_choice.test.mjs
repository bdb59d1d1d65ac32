// The cloud chosen on the sign-in screen (config.json "cloud": "choose"): sign-in goes to
// that cloud's authority, every request stays on that cloud's hosts (the browser's own CSP
// narrows to them), the choice survives a reload of the tab and sign-out forgets it.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ADMIN, CLIENT_ID, PRODUCTION_CONFIG, assertAccessible, environment, openSession, screenshot, waitForDashboard,
} from "./support.mjs";

/** GCC High's hosts (the core's cloud table): sign-in, discovery, Graph, Dataverse. */
const GCC_HIGH_HOST = /^(login\.microsoftonline\.us|globaldisco\.crm\.microsoftdynamics\.us|graph\.microsoft\.us|[a-z0-9-]+\.crm\.microsoftdynamics\.us)$/;

const hostsAsked = (browser, appHost) => [...new Set(browser.requests
  .filter((url) => /^https?:/.test(url))
  .map((url) => new URL(url).host))].filter((host) => host !== appHost);

test("a cloud chosen on the sign-in screen is the one signed in to, and requests stay on its hosts", async (t) => {
  const { emulator, browser, page } = await openSession(t, {
    scenario: "gcc-high",
    config: { clientId: CLIENT_ID, cloud: "choose" },
  });
  const appHost = `127.0.0.1:${emulator.port}`;
  await page.goto(`${emulator.base}/`);
  const choice = page.getByTestId("cloud-choice");
  await choice.waitFor();
  // Every named cloud of the core's table, no custom one (none is configured).
  const offered = await choice.locator("option").evaluateAll((options) => options.map((o) => o.value));
  assert.deepEqual(offered, ["public", "gcc", "gcc-high", "dod", "china"]);
  assert.equal(await page.getByRole("combobox", { name: "Microsoft cloud" }).count(), 1, "the choice is labelled");
  await assertAccessible(assert, page, "sign-in screen with the cloud choice");
  // Nothing is guessed: no silent sign-in is tried before the admin has chosen.
  assert.deepEqual(hostsAsked(browser, appHost), [], "no Microsoft host is asked before the choice");

  await choice.selectOption("gcc-high");
  const cloud = page.getByTestId("cloud");
  assert.equal(await cloud.getAttribute("data-cloud"), "gcc-high");
  assert.match(await cloud.innerText(), /login\.microsoftonline\.us/);
  await screenshot(page, "sign-in-cloud-choice");
  const popupPromise = page.context().waitForEvent("page");
  await page.getByTestId("sign-in").click();
  const popup = await popupPromise;
  // MSAL opens the window blank, then sends it to the authority's sign-in page.
  await popup.locator(`[data-upn="${ADMIN}"]`).waitFor();
  assert.equal(new URL(popup.url()).host, "login.microsoftonline.us", "the sign-in window is GCC High's authority");
  await popup.locator(`[data-upn="${ADMIN}"]`).click();
  const rows = await waitForDashboard(page);
  const gov = environment(await emulator.state(), "contosogov");
  assert.deepEqual(Object.keys(rows), [gov.id], "GCC High's discovery lists its environment");
  assert.equal(await page.getByTestId("cloud").getAttribute("data-cloud"), "gcc-high");

  const asked = hostsAsked(browser, appHost);
  assert.deepEqual(asked.filter((host) => !GCC_HIGH_HOST.test(host)), [], "requests left GCC High's hosts");
  for (const host of ["login.microsoftonline.us", "globaldisco.crm.microsoftdynamics.us", "graph.microsoft.us", "contosogov.crm.microsoftdynamics.us"]) {
    assert.ok(asked.includes(host), `${host} was asked (${asked})`);
  }
  // The emulator saw no request on a public-cloud host either.
  const publicHits = (await emulator.state()).requests.filter((r) => /microsoft\.com|dynamics\.com/.test(r.host));
  assert.deepEqual(publicHits.map((r) => r.host), []);

  // The browser itself now refuses the public cloud: the runtime CSP follows the choice.
  const policies = await page.evaluate(() => [...document.querySelectorAll('meta[http-equiv="Content-Security-Policy"]')].map((m) => m.content));
  assert.ok(policies.some((p) => p.includes("https://graph.microsoft.us") && !p.includes("https://graph.microsoft.com")), policies.join("\n"));
  const refused = await page.evaluate(() => fetch("https://graph.microsoft.com/v1.0/").then(() => "reached", () => "refused"));
  assert.equal(refused, "refused");

  // The choice is the tab session's (sessionStorage, no token in it): a reload keeps it.
  const remembered = await page.evaluate(() => sessionStorage.getItem("w365-appuser.cloud"));
  assert.equal(remembered, "gcc-high");
  await page.reload();
  await page.getByTestId("signed-in-as").waitFor();
  assert.equal(await page.getByTestId("cloud").getAttribute("data-cloud"), "gcc-high");
  await waitForDashboard(page);

  // Sign-out forgets it: a fresh sign-in screen offers every cloud again.
  await page.getByTestId("sign-out").click();
  await page.getByTestId("cloud-choice").waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem("w365-appuser.cloud")), null);
  assert.equal(await page.getByTestId("cloud-choice").inputValue(), "public");
});

test("a cloud fixed in config.json is shown, not offered", async (t) => {
  const { emulator, page } = await openSession(t, { config: PRODUCTION_CONFIG });
  await page.goto(`${emulator.base}/`);
  await page.getByTestId("sign-in").waitFor();
  assert.equal(await page.getByTestId("cloud").getAttribute("data-cloud"), "public");
  assert.equal(await page.getByTestId("cloud-choice").count(), 0);
});
