// The first screen, end to end: the production build and configuration, the
// real bundled MSAL.js, Chromium mapped onto the emulator.
import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import {
  ADMIN, PRODUCTION_CONFIG, demoConfig, launchBrowser, screenshot, signInWithPopup, startEmulator,
} from "./support.mjs";

/** The environments where the emulator's tenant has an enabled system user for the admin. */
async function expectedEnvironmentIds(emulator) {
  const { tenant } = await emulator.state();
  const admin = tenant.users.find((user) => user.upn === ADMIN);
  return tenant.environments
    .filter((env) => env.system_users.some((u) => u.azureactivedirectoryobjectid === admin.id && !u.isdisabled))
    .map((env) => env.id)
    .sort();
}

async function listedEnvironmentIds(page) {
  const rows = page.getByTestId("env-row");
  await rows.first().waitFor();
  return (await rows.evaluateAll((els) => els.map((el) => el.dataset.envId))).sort();
}

test("production build signs in through Entra and lists the discovery service's environments", async () => {
  const emulator = await startEmulator({ scenario: "demo", config: PRODUCTION_CONFIG });
  const browser = await launchBrowser(emulator);
  try {
    const page = await browser.context.newPage();
    await page.goto(`${emulator.base}/`);
    // No Microsoft session yet: the silent attempt fails quietly and a button is offered.
    await page.getByTestId("sign-in").waitFor();
    await signInWithPopup(page, ADMIN);
    await page.getByTestId("signed-in-as").waitFor();
    assert.match(await page.getByTestId("signed-in-as").innerText(), /Megan Bowen/);
    assert.deepEqual(await listedEnvironmentIds(page), await expectedEnvironmentIds(emulator));
    await screenshot(page, "environments");

    // The page talked to Microsoft's real host names only (mapped onto the emulator).
    const hosts = new Set(browser.requests.map((url) => new URL(url).host));
    hosts.delete(`127.0.0.1:${emulator.port}`);
    for (const host of hosts) {
      assert.match(host, /^(login\.microsoftonline\.com|globaldisco\.crm\.dynamics\.com|graph\.microsoft\.com|[a-z0-9-]+\.crm\d*\.dynamics\.com)$/);
    }
    assert.ok(hosts.has("login.microsoftonline.com"));
    assert.ok(hosts.has("globaldisco.crm.dynamics.com"));

    // A second tab has no MSAL cache (sessionStorage) but the Microsoft session
    // cookie: ssoSilent signs in without a click.
    const second = await browser.context.newPage();
    await second.goto(`${emulator.base}/`);
    await second.getByTestId("signed-in-as").waitFor();
    assert.deepEqual(await listedEnvironmentIds(second), await expectedEnvironmentIds(emulator));
    // Tokens stay out of localStorage.
    const stored = await second.evaluate(() => JSON.stringify(Object.entries(localStorage)));
    assert.doesNotMatch(stored, /eyJ/);
  } finally {
    await browser.close();
    await emulator.stop();
  }
});

test("demo mode: a custom cloud under the emulator's own origin, no host mapping", async () => {
  const emulator = await startEmulator({ scenario: "demo", config: demoConfig });
  const browser = await launchBrowser(emulator, { mapHosts: false });
  try {
    const page = await browser.context.newPage();
    await page.goto(`${emulator.base}/`);
    await page.getByTestId("sign-in").waitFor();
    await signInWithPopup(page, ADMIN);
    assert.deepEqual(await listedEnvironmentIds(page), await expectedEnvironmentIds(emulator));
    const foreign = browser.requests.filter((url) => new URL(url).origin !== emulator.base);
    assert.deepEqual(foreign, [], "the demo must not leave the emulator's origin");
  } finally {
    await browser.close();
    await emulator.stop();
  }
});

test("without a client id the app explains the Entra registration instead of failing", async () => {
  const emulator = await startEmulator({ scenario: "demo" });
  const browser = await launchBrowser(emulator);
  try {
    const page = await browser.context.newPage();
    await page.goto(`${emulator.base}/`);
    const guide = page.getByTestId("registration-guide");
    await guide.waitFor();
    const text = await guide.innerText();
    assert.match(text, /Single-page application/);
    assert.match(text, new RegExp(`${emulator.base.replace(/[.]/g, "\\.")}/redirect\\.html`));
    assert.match(text, /user_impersonation/);
    assert.match(text, /Application\.Read\.All/);
    await screenshot(page, "registration-guide");
  } finally {
    await browser.close();
    await emulator.stop();
  }
});
