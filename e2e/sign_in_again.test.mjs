// A sign-in that expires mid-run: Dataverse answers 401, the app asks MSAL for a fresh token
// (not the cached one), the refresh token has been revoked so only the admin can sign in,
// `sign-in-again` appears, and the popup sign-in lets the run continue where it waited,
// with no write repeated.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ADMIN, ASSOCIATE_ROLE, CREATE_USER, US_APP_ID, WORK365_ROLES, assertAccessible, assertConfigured, assertOnlyCloudHosts,
  environment, finishRun, heldRoles, lastSeq, loggedRequests, openDashboard, openEnvironment, openSession,
  readPlan, screenshot, waitForStep,
} from "./support.mjs";

const ASSOCIATE_PATH = "/api/data/v9.2/systemusers(*)/systemuserroles_association/$ref";

test("an expired sign-in mid-run shows sign-in-again; signing in continues the run with no duplicate write", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  await openDashboard(page, emulator);
  await openEnvironment(page, prod.id);
  await readPlan(page);

  // The admin's sign-in ends (as Entra's revokeSignInSessions does): the refresh token and
  // the session cookie stop working; the access tokens already issued still do, until the
  // first role assignment is refused as expired.
  const revoked = await emulator.revokeSignIn(ADMIN);
  assert.ok(revoked.refresh_tokens >= 1 && revoked.sessions >= 1, JSON.stringify(revoked));
  await emulator.fault({
    method: "POST", path: ASSOCIATE_PATH, count: 1,
    action: {
      status: 401,
      headers: { "WWW-Authenticate": `Bearer authorization_uri=https://login.microsoftonline.com/${prod.id}/oauth2/authorize, resource_id=https://${prod.host}/` },
      body: '{"error":{"code":"0x80072560","message":"The access token is expired"}}',
    },
  });
  const beforeApply = lastSeq(await emulator.state());
  await page.getByTestId("apply").click();

  const again = page.getByTestId("sign-in-again");
  await again.waitFor({ timeout: 30_000 });
  await waitForStep(page, "create", "done");
  const waiting = await emulator.state();
  const refused = loggedRequests(waiting, { method: "POST", path: ASSOCIATE_ROLE, since: beforeApply }).filter((r) => r.status === 401);
  assert.equal(refused.length, 1, "one role assignment was refused as expired");
  // The renewal went to the token endpoint with the refresh token (MSAL's cache would
  // have handed back the refused token), and Entra refused the revoked grant.
  const renewals = waiting.requests.filter((r) => r.seq > refused[0].seq && r.grant?.grant_type === "refresh_token");
  assert.ok(renewals.length >= 1, "a refresh-token grant was attempted after the 401");
  assert.ok(renewals.every((r) => r.status === 400), "the revoked refresh token was refused");
  assert.equal(await page.getByTestId("outcome").count(), 0, "the run waits: it has not ended");
  assert.match(await page.getByTestId("live").innerText(), /sign-in needs renewing/i);
  await assertAccessible(assert, page, "the run waiting for sign-in-again");
  await screenshot(page, "sign-in-again");

  // The admin signs in again in Microsoft's window; the run continues by itself.
  const popupPromise = page.context().waitForEvent("page");
  await again.click();
  const popup = await popupPromise;
  await popup.waitForLoadState("domcontentloaded");
  await popup.locator(`[data-upn="${ADMIN}"]`).click();
  assert.equal(await finishRun(page, { timeout: 30_000 }), "configured");
  assert.equal(await again.count(), 0, "sign-in-again is gone once signed in");

  const after = await emulator.state();
  const env = environment(after, "contosoprod");
  const user = assertConfigured(assert, env);
  assert.equal(env.system_users.filter((u) => u.applicationid === US_APP_ID).length, 1, "exactly one application user");
  const held = heldRoles(env, user).map((r) => r.name).sort();
  assert.deepEqual(held, [...WORK365_ROLES].sort(), "each Work 365 role assigned once");
  assert.equal(loggedRequests(after, { method: "POST", path: CREATE_USER, processed: true }).length, 1, "created once");
  assert.equal(loggedRequests(after, { method: "POST", path: ASSOCIATE_ROLE, processed: true }).length, 2, "each role assigned once");
  assertOnlyCloudHosts(assert, browser, emulator);
});
