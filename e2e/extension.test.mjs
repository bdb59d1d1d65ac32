// The browser extension end to end (issue 5): Chromium with the unpacked
// extension, Microsoft's hosts (and the admin center) mapped onto the emulator.
// The content script's button on an admin-center environment page opens the
// app in the side panel with that environment preselected (in a tab when the
// side panel cannot open); sign-in runs through chrome.identity.launchWebAuthFlow
// and MSAL keeps the tokens in the page's memory only; the setup runs to verified.
//
// Playwright does not list side-panel pages among a context's pages, but the
// panel is an ordinary "page" DevTools target: a second connection over CDP
// (--remote-debugging-port) sees and drives it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import {
  ADMIN, CHROMIUM_ARGS, MICROSOFT_HOSTS, PRODUCTION_CONFIG, assertConfigured, environment, loggedRequests,
  screenshot, startEmulator,
} from "./support.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const UNPACKED = join(ROOT, "target", "extension", "unpacked");
/** Fixed by the manifest's `key`; its redirect URI is registered in every scenario. */
const EXTENSION_ID = "jnggalibfkfhgecgdpkejcbcgjjfhian";

async function launchWithExtension(emulator) {
  // The extension as an admin would load it, with the tool's client id configured.
  const dir = mkdtempSync(join(tmpdir(), "w365-ext-"));
  const extension = join(dir, "extension");
  cpSync(UNPACKED, extension, { recursive: true });
  writeFileSync(join(extension, "config.json"), JSON.stringify(PRODUCTION_CONFIG));
  const profile = join(dir, "profile");
  mkdirSync(join(profile, "Default"), { recursive: true });
  writeFileSync(join(profile, "Default", "Preferences"), JSON.stringify({ profile: { cookie_controls_mode: 0 } }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    // Extensions load only in the new headless mode, which Playwright's own
    // `headless: true` does not select.
    headless: false,
    args: [
      ...CHROMIUM_ARGS,
      "--remote-debugging-port=0",
      `--disable-extensions-except=${extension}`,
      `--load-extension=${extension}`,
      `--host-resolver-rules=${MICROSOFT_HOSTS.map((h) => `MAP ${h} 127.0.0.1:${emulator.port}`).join(", ")}`,
    ],
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 800 },
  });
  const port = readFileSync(join(profile, "DevToolsActivePort"), "utf8").split("\n")[0];
  return {
    context,
    cdpEndpoint: `http://127.0.0.1:${port}`,
    cdp: null,
    async close() {
      await this.cdp?.close().catch(() => {});
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The app page opened by the extension (side panel or tab). A CDP connection
 * lists the pages that exist when it connects (a side panel opened later does not
 * show up), so it connects anew until the page is there.
 */
async function waitForAppPage(browser, url, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let seen = [];
  while (Date.now() < deadline) {
    await browser.cdp?.close().catch(() => {});
    browser.cdp = await chromium.connectOverCDP(browser.cdpEndpoint);
    const pages = browser.cdp.contexts().flatMap((c) => c.pages());
    const page = pages.find((p) => p.url() === url);
    if (page) return page;
    seen = pages.map((p) => p.url());
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no page ${url} opened; pages: ${seen.join(", ")}`);
}

/**
 * Everything the extension could have persisted, as seen from one of its pages
 * (or its service worker): the page's sessionStorage and localStorage, and every
 * chrome.storage area the extension can reach (none without the `storage`
 * permission).
 */
function persistedStorage(target) {
  return target.evaluate(async () => {
    const dump = (storage) => storage ? Object.entries({ ...storage }) : null;
    const areas = {};
    for (const area of ["local", "session", "sync", "managed"]) {
      const store = globalThis.chrome?.storage?.[area];
      if (store) areas[area] = await store.get(null).catch((e) => ({ unreadable: String(e) }));
    }
    return {
      sessionStorage: dump(globalThis.sessionStorage),
      localStorage: dump(globalThis.localStorage),
      chromeStorage: globalThis.chrome?.storage ? areas : null,
    };
  });
}

/** A JWT (header.claims…) or one of MSAL's credential types (its cache keys and entries). */
const TOKEN_LIKE = /eyJ[\w-]+\.eyJ[\w-]+|accesstoken|refreshtoken|idtoken/i;

/** Names the entries that look like tokens, never their values (a failure must not print a token). */
function assertNoTokens(where, storage) {
  const found = Object.entries(storage).flatMap(([store, entries]) => Object.entries(entries ?? {})
    .filter(([, entry]) => TOKEN_LIKE.test(JSON.stringify(entry)))
    .map(([, entry]) => `${store}: ${Array.isArray(entry) ? entry[0] : "an entry"}`));
  assert.deepEqual(found, [], `${where} holds token-like values`);
}

/** The token endpoint's answered requests, each with its grant type and scope (the emulator's log). */
function tokenGrants(state) {
  return loggedRequests(state, { method: "POST", host: /^login\.microsoftonline\.com/, path: /\/oauth2\/v2\.0\/token/ })
    .map((r) => ({ status: r.status, ...r.grant }));
}

test("admin-center button opens the extension on that environment, signs in through launchWebAuthFlow and sets it up to verified", async (t) => {
  const emulator = await startEmulator({ scenario: "demo", config: PRODUCTION_CONFIG });
  const browser = await launchWithExtension(emulator).catch(async (e) => { await emulator.stop(); throw e; });
  t.after(async () => {
    await browser.close();
    await emulator.stop();
  });
  const { tenant } = await emulator.state();
  const prod = environment({ tenant, scenario: "demo" }, "contosoprod");

  const [worker] = browser.context.serviceWorkers().length
    ? browser.context.serviceWorkers()
    : [await browser.context.waitForEvent("serviceworker")];
  assert.equal(new URL(worker.url()).host, EXTENSION_ID, "the manifest's key fixes the extension id");

  // The admin center's environment page, served by the emulator under its real host name.
  const admin = await browser.context.newPage();
  await admin.goto(`https://admin.powerplatform.microsoft.com/manage/environments/${prod.id}/hub`);
  const button = admin.getByTestId("w365-switch");
  await button.waitFor();
  assert.equal(await button.innerText(), "Switch Work 365 to the application user");
  await screenshot(admin, "extension-admin-center");
  await button.click();

  // The side panel (Chromium has one) shows the app with the environment preselected.
  const appUrl = `chrome-extension://${EXTENSION_ID}/index.html?env=${prod.id}`;
  const app = await waitForAppPage(browser, appUrl);
  app.setDefaultTimeout(20_000);
  const openedInTab = browser.context.pages().some((p) => p.url() === appUrl);
  assert.equal(openedInTab, false, "Chromium has a side panel: the app must open there, not in a tab");

  // No Microsoft session yet: the silent attempt (launchWebAuthFlow, non-interactive) fails quietly.
  await app.getByTestId("sign-in").waitFor();
  const signInWindow = browser.context.waitForEvent("page");
  await app.getByTestId("sign-in").click();
  const signInPage = await signInWindow;
  assert.match(signInPage.url(), /^https:\/\/login\.microsoftonline\.com\/organizations\/oauth2\/v2\.0\/authorize\?/);
  assert.equal(new URL(signInPage.url()).searchParams.get("redirect_uri"), `https://${EXTENSION_ID}.chromiumapp.org/`);
  await signInPage.locator(`[data-upn="${ADMIN}"]`).click();
  await app.getByTestId("signed-in-as").waitFor();

  // Preselected: the environment view opens by itself, plans, applies, verifies.
  await app.locator(`[data-testid="environment"][data-env-id="${prod.id}"]`).waitFor({ timeout: 30_000 });
  const plan = app.getByTestId("plan");
  await plan.waitFor({ timeout: 30_000 });
  assert.ok(Number(await plan.getAttribute("data-writes")) > 0, "contosoprod needs setup");
  await app.getByTestId("apply").click();
  // Verified: the read-back step is done and its evidence shown.
  await app.locator('[data-testid="step"][data-step="verify"][data-status="done"]').waitFor({ timeout: 30_000 })
    .catch(async (error) => {
      await screenshot(app, "extension-side-panel-stuck");
      const steps = await app.getByTestId("step").evaluateAll((els) => els.map((e) => `${e.dataset.step}=${e.dataset.status}`));
      throw new Error(`not verified; steps: ${steps.join(", ")}`, { cause: error });
    });
  const failed = await app.locator('[data-testid="step"][data-status="failed"]').count();
  assert.equal(failed, 0, "no step failed");
  await app.getByTestId("evidence").waitFor();
  const outcome = app.getByTestId("outcome");
  if (await outcome.count()) assert.equal(await outcome.getAttribute("data-outcome"), "configured");
  await screenshot(app, "extension-side-panel-verified");

  const after = await emulator.state();
  assertConfigured(assert, environment(after, "contosoprod"));

  // Tokens stayed in the extension page's memory: nothing token-like in its
  // sessionStorage, localStorage or chrome.storage, nor in the service worker's
  // reach, nor handed to the admin center.
  const stored = await persistedStorage(app);
  assertNoTokens("the side panel's storage", stored);
  assert.equal(stored.chromeStorage, null, "no storage permission: chrome.storage is out of reach");
  assertNoTokens("the service worker's storage", await persistedStorage(worker));
  assert.doesNotMatch(await admin.content(), TOKEN_LIKE);
  // The detector finds what MSAL's sessionStorage cache (the static site's) holds.
  assert.throws(() => assertNoTokens("a sample", {
    sessionStorage: [["msal.3.token.keys.client", '{"idToken":["msal.3|uid.utid|login.windows.net|idtoken|client|utid|"]}']],
  }));
  assert.throws(() => assertNoTokens("a sample", { chromeStorage: { local: { t: "eyJhbGciOi.eyJhdWQiOi.sig" } } }));

  // One code redeemed at sign-in (the discovery scope, consent for Graph with
  // it); every other token came silently from the refresh token in memory, one
  // resource per request: Dataverse and Graph.
  const grants = tokenGrants(after);
  const codes = grants.filter((g) => g.grant_type === "authorization_code");
  assert.equal(codes.length, 1, JSON.stringify(grants));
  assert.equal(codes[0].status, 200);
  assert.match(codes[0].scope, /^https:\/\/globaldisco\.crm\.dynamics\.com\/user_impersonation( |$)/);
  const renewals = grants.filter((g) => g.grant_type === "refresh_token" && g.status === 200).map((g) => g.scope);
  assert.ok(renewals.some((scope) => scope.includes(`https://${prod.host}/`)),
    `a Dataverse token for ${prod.host} from the refresh token; renewals: ${renewals.join(" | ")}`);
  assert.ok(renewals.some((scope) => scope.includes("https://graph.microsoft.com/")),
    `a Graph token from the refresh token; renewals: ${renewals.join(" | ")}`);
  assert.deepEqual(grants.filter((g) => g.status !== 200), [], "no token request failed");
  t.diagnostic(`token requests: ${grants.map((g) => `${g.grant_type} ${g.scope.split(" ")[0]}`).join("; ")}`);
  t.diagnostic(`side panel sessionStorage keys: ${stored.sessionStorage.map(([k]) => k).join(", ") || "none"}; localStorage keys: ${stored.localStorage.map(([k]) => k).join(", ") || "none"}`);
});

test("without a user gesture the side panel cannot open: the app opens in a tab beside the admin center and signs in there on that environment", async (t) => {
  const emulator = await startEmulator({ scenario: "demo", config: PRODUCTION_CONFIG });
  const browser = await launchWithExtension(emulator).catch(async (e) => { await emulator.stop(); throw e; });
  t.after(async () => {
    await browser.close();
    await emulator.stop();
  });
  const { tenant } = await emulator.state();
  const prod = environment({ tenant, scenario: "demo" }, "contosoprod");
  if (!browser.context.serviceWorkers().length) await browser.context.waitForEvent("serviceworker");

  // The page presses the button itself, from a script and without any user
  // activation, as soon as the content script has put it there: the service
  // worker's sidePanel.open() then throws ("may only be called in response to a
  // user gesture") and openApp falls back to a tab.
  const admin = await browser.context.newPage();
  await admin.addInitScript(() => {
    const timer = setInterval(() => {
      const button = document.querySelector("w365-appuser-launcher")?.shadowRoot?.querySelector("button");
      if (!button) return;
      clearInterval(timer);
      button.click();
    }, 100);
  });
  const appUrl = `chrome-extension://${EXTENSION_ID}/index.html?env=${prod.id}`;
  const opened = browser.context.waitForEvent("page", { predicate: (p) => p.url() === appUrl, timeout: 15_000 });
  await admin.goto(`https://admin.powerplatform.microsoft.com/manage/environments/${prod.id}/hub`);
  const app = await opened;
  app.setDefaultTimeout(20_000);
  const tabs = browser.context.pages().map((p) => p.url());
  assert.equal(tabs.indexOf(appUrl), tabs.indexOf(admin.url()) + 1, `the app's tab sits next to the admin center's: ${tabs.join(", ")}`);

  // Sign-in in the tab: the silent attempt fails quietly, the window signs in.
  await app.getByTestId("sign-in").waitFor();
  const signInWindow = browser.context.waitForEvent("page", { predicate: (p) => p.url().startsWith("https://login.microsoftonline.com/") });
  await app.getByTestId("sign-in").click();
  const signInPage = await signInWindow;
  assert.equal(new URL(signInPage.url()).searchParams.get("redirect_uri"), `https://${EXTENSION_ID}.chromiumapp.org/`);
  await signInPage.locator(`[data-upn="${ADMIN}"]`).click();
  await app.getByTestId("signed-in-as").waitFor();

  // Preselected: the environment view opens by itself on that environment.
  const view = app.locator(`[data-testid="environment"][data-env-id="${prod.id}"]`);
  await view.waitFor({ timeout: 30_000 });
  assert.match(await view.innerText(), new RegExp(prod.friendly_name));
  await screenshot(app, "extension-tab-fallback-environment");
  assertNoTokens("the tab's storage", await persistedStorage(app));
});

test("the admin center's link into the default environment (Default-{tenant}) opens that environment in the extension", async (t) => {
  const emulator = await startEmulator({ scenario: "demo", config: PRODUCTION_CONFIG });
  const browser = await launchWithExtension(emulator).catch(async (e) => { await emulator.stop(); throw e; });
  t.after(async () => {
    await browser.close();
    await emulator.stop();
  });
  const { tenant } = await emulator.state();
  const defaultEnv = environment({ tenant, scenario: "demo" }, "contosodefault");
  assert.equal(defaultEnv.id, `Default-${tenant.id}`);
  if (!browser.context.serviceWorkers().length) await browser.context.waitForEvent("serviceworker");

  // The id as a link may spell it: the GUID in capitals.
  const linked = `Default-${tenant.id.toUpperCase()}`;
  const admin = await browser.context.newPage();
  await admin.goto(`https://admin.powerplatform.microsoft.com/manage/environments/${linked}/hub`);
  const button = admin.getByTestId("w365-switch");
  await button.waitFor();
  await button.click();
  const app = await waitForAppPage(browser, `chrome-extension://${EXTENSION_ID}/index.html?env=${linked}`);
  app.setDefaultTimeout(20_000);
  await app.getByTestId("sign-in").waitFor();
  const signInWindow = browser.context.waitForEvent("page");
  await app.getByTestId("sign-in").click();
  await (await signInWindow).locator(`[data-upn="${ADMIN}"]`).click();

  // The environment view opens by itself on the default environment (discovery's canonical id).
  const view = app.locator(`[data-testid="environment"][data-env-id="${defaultEnv.id}"]`);
  await view.waitFor({ timeout: 30_000 });
  assert.match(await view.innerText(), /Contoso \(default\)/);
  assert.equal(await app.getByTestId("outcome").getAttribute("data-outcome", { timeout: 30_000 }), "stopped");
  assert.match(await app.getByTestId("error").innerText(), /not installed/i);
  await screenshot(app, "extension-default-environment");
  // Only reads reached it: nothing is written to an environment without Work 365.
  const after = await emulator.state();
  assert.deepEqual(after.tenant.environments.find((e) => e.unique_name === "contosodefault").system_users,
    defaultEnv.system_users);
  assert.ok(loggedRequests(after, { host: new RegExp(`^${defaultEnv.host.replaceAll(".", "\\.")}`) }).length > 0,
    "the default environment was inspected");
});
