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
import {
  ADMIN, PRODUCTION_CONFIG, assertConfigured, environment, loggedRequests, screenshot, startEmulator,
} from "./support.mjs";
import {
  EXTENSION_ID, TOKEN_LIKE, assertNoTokens, launchWithExtension, persistedStorage, tokenGrants, waitForAppPage,
} from "./extension_support.mjs";

/**
 * The content script's button. Its shadow root is closed, so neither the page nor Playwright's
 * selectors reach it; DevTools does (DOM.getDocument with `pierce`). Returns where it is, its
 * text, its shadow root's mode and the CDP session (for `clickFromPage`).
 */
async function launcher(page, timeout = 15_000) {
  const cdp = await page.context().newCDPSession(page);
  const deadline = Date.now() + timeout;
  const find = (node, name) => {
    if (node.localName === name) return node;
    for (const child of [...(node.children ?? []), ...(node.shadowRoots ?? [])]) {
      const found = find(child, name);
      if (found) return found;
    }
    return null;
  };
  while (Date.now() < deadline) {
    const { root } = await cdp.send("DOM.getDocument", { depth: -1, pierce: true });
    const host = find(root, "w365-appuser-launcher");
    const shadow = host?.shadowRoots?.[0];
    const button = shadow && find(shadow, "button");
    if (button) {
      const { model } = await cdp.send("DOM.getBoxModel", { backendNodeId: button.backendNodeId });
      const [x1, y1, , , x3, y3] = model.border;
      const attributes = Object.fromEntries((button.attributes ?? []).reduce((pairs, v, i, all) => (i % 2 ? pairs : [...pairs, [v, all[i + 1]]]), []));
      return {
        cdp,
        backendNodeId: button.backendNodeId,
        mode: shadow.shadowRootType,
        testid: attributes["data-testid"],
        text: (button.children ?? []).filter((c) => c.nodeType === 3).map((c) => c.nodeValue).join(""),
        x: (x1 + x3) / 2,
        y: (y1 + y3) / 2,
      };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the content script's button did not appear");
}

/**
 * The page's own script clicks the real button (as if it had got hold of it): `click()` and a
 * dispatched MouseEvent, both untrusted.
 */
async function clickFromPage(button) {
  const { object } = await button.cdp.send("DOM.resolveNode", { backendNodeId: button.backendNodeId });
  await button.cdp.send("Runtime.callFunctionOn", {
    objectId: object.objectId,
    functionDeclaration: "function () { this.click(); this.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true })); this.focus(); this.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true })); }",
  });
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
  const button = await launcher(admin);
  assert.equal(button.text, "Switch Work 365 to the application user");
  assert.equal(button.testid, "w365-switch");
  assert.equal(button.mode, "closed", "the page's scripts get no handle on the button");
  await screenshot(admin, "extension-admin-center");
  // The admin's own click (a trusted event).
  await admin.mouse.click(button.x, button.y);

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

  // One code redeemed at sign-in (the discovery scope only: Graph's permission is
  // admin-consented in the demo tenant, never asked at sign-in); every other token
  // came silently from the refresh token in memory, one resource per request:
  // Dataverse and Graph.
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

test("the page cannot drive the button; where the side panel cannot open, the admin's click opens the app in a tab beside the admin center, once", async (t) => {
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

  const admin = await browser.context.newPage();
  await admin.goto(`https://admin.powerplatform.microsoft.com/manage/environments/${prod.id}/hub`);
  const button = await launcher(admin);
  const appUrl = `chrome-extension://${EXTENSION_ID}/index.html?env=${prod.id}`;
  const opened = () => browser.context.pages().filter((p) => p.url() === appUrl).length;

  // The page's scripts find no button (closed shadow root) …
  assert.equal(await admin.evaluate(() => document.querySelector("w365-appuser-launcher")?.shadowRoot ?? null), null);
  assert.equal(await admin.evaluate(() => document.querySelectorAll("button").length), 0, "no button in the page's DOM");
  // … and a script that clicks the real button anyway (untrusted events) opens nothing.
  await clickFromPage(button);
  await admin.waitForTimeout(2000);
  assert.equal(opened(), 0, "a scripted click opened no tab");
  await assert.rejects(waitForAppPage(browser, appUrl, 1500), /no page/, "a scripted click opened no side panel");

  // A browser where the side panel cannot open (no gesture left, or none at all): the admin's
  // own click opens the app in a tab next to the admin center.
  const patched = await worker.evaluate(() => {
    const refuse = () => Promise.reject(new Error("no side panel here"));
    try {
      Object.defineProperty(chrome.sidePanel, "open", { value: refuse, configurable: true, writable: true });
    } catch {
      chrome.sidePanel.open = refuse;
    }
    return chrome.sidePanel.open === refuse;
  });
  assert.ok(patched, "the side panel is made unavailable in the service worker");
  const tabOpened = browser.context.waitForEvent("page", { predicate: (p) => p.url() === appUrl, timeout: 15_000 });
  await admin.mouse.click(button.x, button.y);
  const app = await tabOpened;
  app.setDefaultTimeout(20_000);
  const tabs = browser.context.pages().map((p) => p.url());
  assert.equal(tabs.indexOf(appUrl), tabs.indexOf(admin.url()) + 1, `the app's tab sits next to the admin center's: ${tabs.join(", ")}`);
  // A second click at once is rate-limited: still one tab.
  await admin.bringToFront();
  await admin.mouse.click(button.x, button.y);
  await admin.waitForTimeout(1500);
  assert.equal(opened(), 1, "one opening per few seconds per tab");

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
  // The admin's own (trusted) click on the content script's button, in its closed shadow root.
  const button = await launcher(admin);
  await admin.mouse.click(button.x, button.y);
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
