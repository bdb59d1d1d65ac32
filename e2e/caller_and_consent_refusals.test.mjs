// Two refusals that must stop before any write: the caller is not System
// Administrator, and the vendor's app was never consented in the tenant (the
// admin-consent link is offered instead).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  US_APP_ID, appUser, assertOnlyCloudHosts, envRow, environment, openDashboard, openEnvironment, openSession, screenshot,
  tenantWrites, waitForOutcome,
} from "./support.mjs";

test("not-sysadmin: the caller is told they need System Administrator, and nothing is written", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "not-sysadmin" });
  const before = await emulator.state();
  const prod = environment(before, "contosoprod");
  const statuses = await openDashboard(page, emulator);
  assert.equal(statuses[prod.id], "no-access");
  assert.match(await envRow(page, prod.id).getByTestId("env-status").innerText(), /System Administrator/i);

  await openEnvironment(page, prod.id);
  await page.locator('[data-testid="error"], [data-testid="outcome"]').first().waitFor();
  const explanation = await page.getByTestId("environment").innerText();
  assert.match(explanation, /System Administrator/i);
  assert.equal(await page.getByTestId("apply").count(), 0, "no Apply is offered");

  const after = await emulator.state();
  assert.deepEqual(tenantWrites(after), []);
  assert.deepEqual(environment(after, "contosoprod"), prod, "the environment is unchanged");
  assertOnlyCloudHosts(assert, browser, emulator);
});

test("not-consented: the vendor app's admin-consent link is shown, and nothing is written", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "not-consented" });
  const before = await emulator.state();
  const prod = environment(before, "contosoprod");
  const statuses = await openDashboard(page, emulator);
  assert.equal(statuses[prod.id], "not-consented");

  await openEnvironment(page, prod.id);
  // With no vendor app consented the environment cannot tell the data center; the
  // admin names it, and is then sent to consent to that data center's app.
  const choice = page.getByTestId("datacenter");
  await page.locator('[data-testid="datacenter"], a[href*="/adminconsent?"]').first().waitFor();
  if (await choice.isVisible()) {
    await choice.selectOption("us");
    await page.getByTestId("datacenter-continue").click();
  }
  const link = page.getByTestId("environment").locator('a[href*="/adminconsent?"]').first();
  await link.waitFor();
  const href = new URL(await link.getAttribute("href"));
  assert.equal(href.origin, "https://login.microsoftonline.com");
  assert.match(href.pathname, new RegExp(`^/(${before.tenant.id}|${before.tenant.domain}|organizations)/adminconsent$`));
  assert.equal(href.searchParams.get("client_id"), US_APP_ID);
  assert.equal(await page.getByTestId("apply").count(), 0, "no Apply is offered");
  await screenshot(page, "not-consented");

  const after = await emulator.state();
  assert.deepEqual(tenantWrites(after), []);
  assert.equal(appUser(environment(after, "contosoprod")), undefined, "no application user was created");
  assert.deepEqual(after.tenant.service_principals, before.tenant.service_principals);
  assertOnlyCloudHosts(assert, browser, emulator);
});
