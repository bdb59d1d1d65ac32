// Existing application users the procedure repairs rather than recreates: a
// disabled one is re-enabled and given the missing role; and when both data
// centers' apps are consented, the admin is asked which one (`datacenter`).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ASSOCIATE_ROLE, CREATE_USER, EU_APP_ID, US_APP_ID, WORK365_ROLES, appUser, assertConfigured, assertOnlyCloudHosts,
  environment, loggedRequests, openDashboard, openEnvironment, openSession, readPlan, tenantWrites,
  waitForOutcome,
  finishRun,
} from "./support.mjs";

test("disabled-app-user: the application user is re-enabled and given the missing role, not recreated", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "disabled-app-user" });
  const before = await emulator.state();
  const prod = environment(before, "contosoprod");
  const existing = appUser(prod);
  assert.equal(existing.isdisabled, true);

  const statuses = await openDashboard(page, emulator);
  assert.equal(statuses[prod.id], "needs-setup");
  await openEnvironment(page, prod.id);
  const plan = await readPlan(page);
  assert.deepEqual(plan.steps, ["enable", `assign:${WORK365_ROLES[1]}`]);
  await page.getByTestId("apply").click();
  assert.equal(await finishRun(page), "configured");

  const after = await emulator.state();
  const user = assertConfigured(assert, environment(after, "contosoprod"));
  assert.equal(user.id, existing.id, "the same application user");
  assert.equal(user.isdisabled, false);
  assert.equal(loggedRequests(after, { method: "POST", path: CREATE_USER }).length, 0, "no create");
  assert.equal(loggedRequests(after, { method: "PATCH", path: new RegExp(`/systemusers\\(${existing.id}\\)$`), processed: true }).length, 1);
  assert.equal(loggedRequests(after, { method: "POST", path: ASSOCIATE_ROLE, processed: true }).length, 1);
  assert.equal(tenantWrites(after).length, 2);
  assertOnlyCloudHosts(assert, browser, emulator);
});

test("both-consented: the admin chooses the data center, and its application user is set up", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "both-consented" });
  const before = await emulator.state();
  const prod = environment(before, "contosoprod");
  const statuses = await openDashboard(page, emulator);
  assert.equal(statuses[prod.id], "needs-setup");

  await openEnvironment(page, prod.id);
  const choice = page.getByTestId("datacenter");
  await choice.waitFor();
  const options = await choice.locator("option").evaluateAll((els) => els.map((el) => el.value).filter(Boolean));
  assert.deepEqual(options.sort(), ["eu", "us"]);
  assert.deepEqual(tenantWrites(await emulator.state()), [], "nothing written before the choice");
  // The non-default answer proves the choice is honoured.
  await choice.selectOption("eu");
  await page.getByTestId("datacenter-continue").click();
  const plan = await readPlan(page);
  assert.equal(plan.writes, 3);
  assert.match(plan.text, new RegExp(EU_APP_ID, "i"));
  await page.getByTestId("apply").click();
  assert.equal(await finishRun(page), "configured");

  const after = await emulator.state();
  const env = environment(after, "contosoprod");
  assertConfigured(assert, env, EU_APP_ID);
  assert.equal(appUser(env, US_APP_ID), undefined, "no US application user");
  assert.equal(tenantWrites(after).length, 3);
  assertOnlyCloudHosts(assert, browser, emulator);
});
