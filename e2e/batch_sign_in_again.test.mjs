// A batch survives an expired sign-in. Twenty environments run; halfway the admin's sign-in
// ends (Entra's revokeSignInSessions: refresh tokens and the session cookie stop working) and
// Dataverse refuses the access tokens of the ten still running. All ten wait behind one
// "Sign in again" that says how many wait; signing in as another account is refused and they
// keep waiting; signing in as the admin continues them all, and all twenty end configured,
// no write repeated.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ADMIN, ASSOCIATE_ROLE, CREATE_USER, assertAccessible, assertConfigured, envRow, lastSeq, loggedRequests,
  openDashboard, openSession, scenarioVariant, screenshot, tenantWrites, viewportScreenshot, ARTIFACTS,
} from "./support.mjs";
import { join } from "node:path";

const TWENTY = scenarioVariant("batch-200", (s) => { s.environment_repeats[0].count = 20; });
const OTHER = "alexw@contoso.onmicrosoft.com";
const CREATE_PATH = "/api/data/v9.2/systemusers";
const ASSOCIATE_PATH = "/api/data/v9.2/systemusers(*)/systemuserroles_association/$ref";

/** Presses `sign-in-again` and signs in as `upn` in Microsoft's window. */
async function signInAgainAs(page, upn) {
  const popupPromise = page.context().waitForEvent("page");
  await page.getByTestId("sign-in-again").click();
  const popup = await popupPromise;
  await popup.waitForLoadState("domcontentloaded");
  await popup.locator(`[data-upn="${upn}"]`).click();
}

test("a 20-environment batch whose sign-in dies halfway ends with all 20 configured after one Sign in again", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: TWENTY });
  const { tenant } = await emulator.state();
  const envs = tenant.environments;
  assert.equal(envs.length, 20);
  const [firstHalf, secondHalf] = [envs.slice(0, 10), envs.slice(10)];
  await openDashboard(page, emulator, { timeout: 60_000 });

  // The second half's creates are slow, so the first half finishes before them.
  await emulator.fault(secondHalf.map((env) => ({
    method: "POST", path: CREATE_PATH, host: env.host, count: 1, action: { latency_ms: 12000 },
  })));
  await page.getByTestId("select-all").check();
  await page.getByTestId("batch-run").click();
  for (const env of firstHalf) {
    await page.locator(`[data-testid="env-row"][data-env-id="${env.id}"][data-status="configured"]`).waitFor({ timeout: 60_000 });
  }

  // Halfway: the sign-in ends, and Dataverse refuses the tokens of the ten still running.
  const revoked = await emulator.revokeSignIn(ADMIN);
  assert.ok(revoked.refresh_tokens >= 1, JSON.stringify(revoked));
  await emulator.fault(secondHalf.map((env) => ({
    method: "POST", path: ASSOCIATE_PATH, host: env.host, count: 1,
    action: {
      status: 401,
      headers: { "WWW-Authenticate": `Bearer authorization_uri=https://login.microsoftonline.com/${tenant.id}/oauth2/authorize, resource_id=https://${env.host}/` },
      body: '{"error":{"code":"0x80072560","message":"The access token is expired"}}',
    },
  })));
  const revokedAt = lastSeq(await emulator.state());

  // All ten wait behind one button.
  const again = page.getByTestId("sign-in-again");
  await page.locator('[data-testid="sign-in-again"][data-waiting="10"]').waitFor({ timeout: 60_000 });
  assert.equal(await again.count(), 1, "one Sign in again for the whole batch");
  assert.match(await again.innerText(), /10 environments wait/);
  assert.equal(await page.getByTestId("batch-summary").getAttribute("data-done"), "false");
  assert.match(await page.getByTestId("batch-summary").innerText(), /10 of 20 finished: 10 configured/);
  await assertAccessible(assert, page, "the batch waiting for one sign-in");
  await viewportScreenshot(page, join(ARTIFACTS, "batch-sign-in-again.png"));
  const waiting = await emulator.state();
  const waitingSince = lastSeq(waiting);
  const refused = loggedRequests(waiting, { method: "POST", path: ASSOCIATE_ROLE, since: revokedAt }).filter((r) => r.status === 401);
  assert.equal(new Set(refused.map((r) => r.host)).size, 10, "each of the ten was refused once");

  // Signing in again as someone else is refused: the runs belong to the admin who started them.
  await signInAgainAs(page, OTHER);
  const failed = page.getByTestId("sign-in-again-failed");
  await failed.waitFor({ timeout: 20_000 });
  assert.equal(await failed.getAttribute("data-kind"), "wrong-account");
  assert.match(await failed.innerText(), /belong to the account that started them/);
  assert.equal(await page.locator('[data-testid="sign-in-again"][data-waiting="10"]').count(), 1, "the ten still wait");
  await screenshot(page, "batch-sign-in-again-wrong-account");
  const afterWrong = await emulator.state();
  assert.deepEqual(
    tenantWrites(afterWrong, { since: waitingSince }), [],
    "nothing was written while the runs waited, nor as the other account",
  );

  // One sign-in as the admin: all ten continue.
  await signInAgainAs(page, ADMIN);
  await page.locator('[data-testid="batch-summary"][data-done="true"]').waitFor({ timeout: 90_000 });
  assert.equal(await again.count(), 0, "no one waits any more");
  assert.match(await page.getByTestId("batch-summary").innerText(), /20 of 20 finished: 20 configured/);
  await viewportScreenshot(page, join(ARTIFACTS, "batch-after-sign-in-again.png"));

  const after = await emulator.state();
  for (const env of after.tenant.environments) {
    assertConfigured(assert, env);
    assert.equal(await envRow(page, env.id).getAttribute("data-status"), "configured", env.unique_name);
  }
  assert.equal(loggedRequests(after, { method: "POST", path: CREATE_USER }).length, 20, "one create per environment");
  assert.equal(loggedRequests(after, { method: "POST", path: ASSOCIATE_ROLE, processed: true }).length, 40, "each role once per environment");
  const signIns = after.requests.filter((r) => r.seq > revokedAt && r.grant?.grant_type === "authorization_code" && r.status === 200);
  assert.equal(signIns.length, 2, "two sign-in windows: the refused account and the admin");
  assert.equal(tenantWrites(after).filter((w) => w.status >= 200 && w.status < 300).length, 60);
  // The stranger's tokens were dropped: every Dataverse request after the admin's sign-in
  // carried the admin's identity (the emulator would refuse Alex's writes with 403).
  assert.equal(tenantWrites(after).filter((w) => w.status === 403).length, 0);
  void browser;
});
