// The extension's own sign-in, pinned to the MSAL.js it ships (issue 9 point 9,
// issue 10 point 10): the authorization request is the bridge's, the code is
// redeemed by MSAL's acquireTokenByCode outside its documented use, so the exact
// token request body is asserted here (an MSAL upgrade that changes it fails this
// test, not an administrator); and an answer whose id token carries another nonce
// is refused before MSAL keeps any of it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ADMIN, environment, loggedRequests, screenshot, startEmulator } from "./support.mjs";
import {
  EXTENSION_ID, EXTENSION_REDIRECT, assertNoTokens, launchWithExtension, persistedStorage, tokenGrants,
} from "./extension_support.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const APP = `chrome-extension://${EXTENSION_ID}/index.html`;
const SINGLE_TENANT_SCENARIO = JSON.parse(readFileSync(join(ROOT, "crates", "emulator", "scenarios", "single-tenant.json"), "utf8"));
const SINGLE_TENANT_CLIENT = SINGLE_TENANT_SCENARIO.spa_apps.find((a) => a.sign_in_audience === "AzureADMyOrg").client_id;
const TENANT_ID = SINGLE_TENANT_SCENARIO.tenant.id;
const DISCOVERY_SCOPE = "https://globaldisco.crm.dynamics.com/user_impersonation";
/** The pinned MSAL.js (package.json); the body below is what this version sends. */
const MSAL_VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).devDependencies["@azure/msal-browser"];

/**
 * Every body parameter of the code redemption MSAL.js 5.30.0 sends through
 * acquireTokenByCode with the bridge's request (redirect_uri added by the bridge).
 * A new MSAL version that adds, drops or renames one must be looked at before it ships.
 */
const CODE_REDEMPTION_PARAMS = [
  "claims", "client_id", "client_info", "code", "code_verifier", "grant_type", "redirect_uri", "scope",
  "x-client-SKU", "x-client-VER", "x-client-current-telemetry", "x-client-last-telemetry", "x-ms-lib-capability",
];

async function startExtension(t, { scenario, config }) {
  const emulator = await startEmulator({ scenario, config });
  const browser = await launchWithExtension(emulator, { config }).catch(async (e) => { await emulator.stop(); throw e; });
  t.after(async () => {
    await browser.close();
    await emulator.stop();
  });
  if (!browser.context.serviceWorkers().length) await browser.context.waitForEvent("serviceworker");
  const app = await browser.context.newPage();
  app.setDefaultTimeout(20_000);
  await app.goto(APP);
  return { emulator, browser, app };
}

/** Presses Sign in and picks the admin in launchWebAuthFlow's window; returns that window's first URL. */
async function signIn(browser, app) {
  await app.getByTestId("sign-in").waitFor();
  const window = browser.context.waitForEvent("page", { predicate: (p) => p.url().startsWith("https://login.microsoftonline.") });
  await app.getByTestId("sign-in").click();
  const page = await window;
  const url = new URL(page.url());
  await page.locator(`[data-upn="${ADMIN}"]`).click();
  return url;
}

test("a single-tenant extension signs in at its directory and redeems the code with exactly the body the pinned MSAL sends", async (t) => {
  assert.match(MSAL_VERSION, /^\d+\.\d+\.\d+$/, "package.json pins @azure/msal-browser to one exact version");
  const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8"));
  assert.equal(lock.packages["node_modules/@azure/msal-browser"].version, MSAL_VERSION, "package.json and the lock agree");
  const config = { clientId: SINGLE_TENANT_CLIENT, cloud: "public", tenant: TENANT_ID };
  const { emulator, browser, app } = await startExtension(t, { scenario: "single-tenant", config });

  const authorize = await signIn(browser, app);
  await app.getByTestId("signed-in-as").waitFor();
  await app.getByTestId("env-row").first().waitFor({ timeout: 30_000 });

  // The bridge's authorization request: this directory, PKCE S256, the Dynamics scope only.
  assert.equal(authorize.origin + authorize.pathname, `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/authorize`);
  const asked = Object.fromEntries(authorize.searchParams);
  assert.equal(asked.client_id, SINGLE_TENANT_CLIENT);
  assert.equal(asked.redirect_uri, EXTENSION_REDIRECT);
  assert.equal(asked.response_type, "code");
  assert.equal(asked.code_challenge_method, "S256");
  assert.match(asked.code_challenge, /^[A-Za-z0-9_-]{43}$/);
  assert.match(asked.state, /^[A-Za-z0-9_-]{43}$/);
  assert.match(asked.nonce, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(asked.client_info, "1");
  assert.deepEqual(asked.scope.split(" ").sort(), [DISCOVERY_SCOPE, "offline_access", "openid", "profile"].sort());

  // MSAL's code redemption, as the emulator logged it (names and non-secret values only).
  const state = await emulator.state();
  const codes = tokenGrants(state).filter((g) => g.grant_type === "authorization_code");
  assert.equal(codes.length, 1, JSON.stringify(codes));
  const [code] = codes;
  t.diagnostic(`MSAL ${MSAL_VERSION} code redemption body: ${code.params.join(", ")}`);
  assert.deepEqual(code.params, [...CODE_REDEMPTION_PARAMS].sort(),
    `the token request body of MSAL ${MSAL_VERSION} changed: review the bridge's redemption (js/bridge.js) before upgrading`);
  assert.equal(code.status, 200);
  assert.equal(code.tenant, TENANT_ID, "redeemed at the configured directory");
  assert.equal(code.redirect_uri, EXTENSION_REDIRECT, "redirect_uri equals the chromiumapp.org URI");
  assert.equal(code.verifier_matched, true, "the code_verifier matches the authorization request's code_challenge");
  assert.equal(code.client_info, "1");
  assert.deepEqual(code.scope.split(" ").sort(), [DISCOVERY_SCOPE, "offline_access", "openid", "profile"].sort());
  // Every later token from the refresh token, at the same directory; none at a generic authority.
  for (const grant of tokenGrants(state)) assert.equal(grant.tenant, TENANT_ID, JSON.stringify(grant));
  assert.deepEqual(loggedRequests(state, { path: /^\/(organizations|common)\// }), [], "nothing went to a generic authority");
  assert.ok(environment(state, "contosoprod"));
});

test("an answer whose id token carries another nonce is refused before any token is kept or used", async (t) => {
  const { emulator, browser, app } = await startExtension(t, {
    scenario: "demo",
    config: { clientId: JSON.parse(readFileSync(join(ROOT, "crates", "emulator", "scenarios", "demo.json"), "utf8")).spa_apps[0].client_id, cloud: "public" },
  });
  await emulator.wrongNonce(1);
  await signIn(browser, app);
  const error = app.getByTestId("error");
  await error.waitFor();
  assert.match(await error.innerText(), /nonce/);
  assert.equal(await app.getByTestId("signed-in-as").count(), 0, "nobody is signed in");
  await screenshot(app, "extension-nonce-refused");
  // Give anything that would use a kept token the time to try.
  await new Promise((r) => setTimeout(r, 1500));
  const refused = await emulator.state();
  const grants = tokenGrants(refused);
  assert.deepEqual(grants.map((g) => [g.grant_type, g.status, g.nonce_altered ?? false]), [["authorization_code", 200, true]],
    "one code redeemed (its answer carried another nonce), no refresh token ever redeemed");
  const used = refused.requests.filter((r) => !/^login\.microsoftonline\.com/.test(r.host));
  assert.deepEqual(used.map((r) => `${r.method} ${r.host}${r.path}`), [], "no token of that answer reached any service");
  assertNoTokens("the extension page's storage", await persistedStorage(app));

  // The next sign-in is answered properly: signed in, environments listed.
  const since = refused.requests.length;
  await signIn(browser, app);
  await app.getByTestId("signed-in-as").waitFor();
  await app.getByTestId("env-row").first().waitFor({ timeout: 30_000 });
  const after = await emulator.state();
  const later = tokenGrants(after).slice(1);
  assert.equal(later[0].grant_type, "authorization_code");
  assert.equal(later[0].nonce_altered ?? false, false);
  assert.ok(after.requests.slice(since).some((r) => r.host.startsWith("globaldisco.")), "discovery asked after the good sign-in");
});
