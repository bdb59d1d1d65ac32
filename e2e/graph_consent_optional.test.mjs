// Sign-in never depends on Graph (issue 9 point 7), in a tenant where users may not
// consent and an administrator granted the tool's Dynamics permission but not Graph's
// Application.Read.All: signing in asks for Dynamics only and works, the Graph token is
// asked silently and refused (AADSTS65001), and that means "vendor consent unknown" with
// the admin-consent link — never a sign-in prompt — while setup goes on to verified. One
// environment lives in a data-center region newer than the app's first table (crm22).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  US_APP_ID, EU_APP_ID, assertConfigured, environment, envRow, finishRun, loggedRequests, openEnvironment, openSession,
  readPlan, screenshot, signInToDashboard,
} from "./support.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const GRAPH = /graph\.microsoft\.com/;

/** The scopes of every authorization request the emulator saw (popup and hidden iframe). */
function authorizeScopes(state) {
  return loggedRequests(state, { method: "GET", path: /\/oauth2\/v2\.0\/authorize\?/ })
    .map((r) => new URL(r.path, "https://login.microsoftonline.com").searchParams.get("scope") ?? "");
}

test("sign-in and setup work without Graph consent: consent unknown with the admin-consent link, no prompt for Graph", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "dynamics-consent-only" });
  const before = await emulator.state();
  const tenantId = before.tenant.id;
  const prod = environment(before, "contosoprod");
  const sweden = environment(before, "contososweden");
  assert.match(sweden.host, /\.crm22\.dynamics\.com$/);

  // The popup asked for Dynamics only, so the tenant's "Need admin approval" never showed.
  const rows = await signInToDashboard(page, emulator);
  assert.deepEqual(rows, { [prod.id]: "needs-setup", [sweden.id]: "needs-setup" });

  // Each row: vendor consent unknown, for both data centers (nothing else tells them apart yet).
  for (const env of [prod, sweden]) {
    const notes = envRow(page, env.id).getByTestId("consent-unknown");
    assert.deepEqual((await notes.evaluateAll((els) => els.map((e) => e.dataset.appId))).sort(), [US_APP_ID, EU_APP_ID].sort());
    const links = await envRow(page, env.id).getByTestId("consent-unknown-link").evaluateAll((els) => els.map((a) => a.href));
    assert.deepEqual(links.sort(), [US_APP_ID, EU_APP_ID].map((app) =>
      `https://login.microsoftonline.com/${tenantId}/adminconsent?client_id=${app}`).sort());
  }
  await screenshot(page, "dashboard-vendor-consent-unknown");

  // Setup goes on: choose the data center, apply, verified.
  await openEnvironment(page, prod.id);
  await page.getByTestId("consent-unknown").first().waitFor();
  const choice = page.getByTestId("datacenter");
  await choice.waitFor();
  await choice.selectOption("us");
  await page.getByTestId("datacenter-continue").click();
  const plan = await readPlan(page);
  assert.ok(plan.writes > 0);
  await page.getByTestId("apply").click();
  assert.equal(await finishRun(page), "configured");
  // Now that the data center is known, the note names that app only, with its link.
  const note = page.getByTestId("consent-unknown");
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="consent-unknown"]').length === 1);
  assert.equal(await note.getAttribute("data-app-id"), US_APP_ID);
  assert.equal(await note.getByTestId("consent-unknown-link").getAttribute("href"),
    `https://login.microsoftonline.com/${tenantId}/adminconsent?client_id=${US_APP_ID}`);
  assert.match(await note.innerText(), /Vendor consent unknown/);
  assert.match(await note.innerText(), /AADSTS65001/);
  assert.equal(await page.getByTestId("sign-in-again").count(), 0, "never asked to sign in for Graph");
  await screenshot(page, "environment-vendor-consent-unknown");

  const after = await emulator.state();
  assertConfigured(assert, environment(after, "contosoprod"));
  // No authorization request ever named Graph (popup, hidden iframe).
  const scopes = authorizeScopes(after);
  assert.ok(scopes.length >= 1);
  for (const scope of scopes) assert.doesNotMatch(scope, GRAPH, `an authorization request asked for Graph: ${scope}`);
  // Graph's token was asked silently, from the refresh token, and refused; no Graph API call was made.
  const graphTokens = after.requests.filter((r) => r.grant && GRAPH.test(r.grant.scope));
  assert.ok(graphTokens.length >= 1, "the Graph token was asked for");
  assert.deepEqual([...new Set(graphTokens.map((r) => `${r.grant.grant_type} ${r.status}`))], ["refresh_token 400"]);
  assert.deepEqual(loggedRequests(after, { host: GRAPH }), [], "no token, no Graph call");
  // Every region is reachable: the crm22 environment was inspected through its own host.
  assert.ok(loggedRequests(after, { host: /^contososweden\.crm22\.dynamics\.com/, processed: true }).length > 0);
  assert.ok(browser.requests.some((url) => new URL(url).host === sweden.host), "the browser reached the crm22 host");
});

/** The demo tenant where users may not consent and nobody granted the tool anything. */
function nothingGrantedScenario(t) {
  const demo = JSON.parse(readFileSync(join(ROOT, "crates", "emulator", "scenarios", "demo.json"), "utf8"));
  demo.tenant.user_consent = "disabled";
  demo.spa_apps[0].admin_consent = {};
  const dir = mkdtempSync(join(tmpdir(), "w365-scenario-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "nothing-granted.json");
  writeFileSync(path, JSON.stringify(demo));
  return path;
}

for (const [how, answer] of [
  ["as the emulator answers (AADSTS65004)", (back) => back],
  ["with a bare access_denied", (back) => back.replace(/&?error_description=[^&]*/, "")],
]) {
  test(`where nobody granted the Dynamics permission, Need admin approval's way back says what an administrator must grant, ${how}`, async (t) => {
    const { emulator, page } = await openSession(t, { scenario: nothingGrantedScenario(t) });
    await page.goto(`${emulator.base}/`);
    await page.getByTestId("sign-in").waitFor();
    const popupPromise = page.context().waitForEvent("page");
    await page.getByTestId("sign-in").click();
    const popup = await popupPromise;
    await popup.locator('[data-upn="admin@contoso.onmicrosoft.com"]').click();
    await popup.getByRole("heading", { name: "Need admin approval" }).waitFor();
    const back = await popup.locator("#return").getAttribute("href");
    assert.match(back, /#error=access_denied&error_description=AADSTS65004/);
    // As a click on the link would (the redirect page closes the window at once).
    await popup.evaluate((url) => { location.href = url; }, answer(back));
    const error = page.getByTestId("error");
    await error.waitFor();
    const text = await error.innerText();
    assert.match(text, /Grant admin consent/);
    assert.match(text, /Dynamics CRM user_impersonation/);
    assert.equal(await page.getByTestId("signed-in-as").count(), 0);
    const state = await emulator.state();
    assert.deepEqual(state.requests.filter((r) => r.grant), [], "no code, no token");
    assert.deepEqual(loggedRequests(state, { host: /dynamics\.com|graph\.microsoft\.com/ }), []);
  });
}
