// One writer per environment: two tabs of the tool open the same environment and both apply.
// The first takes the environment's Web Lock and writes; the second says that another tab
// holds the environment and waits; once the first has verified, the second re-reads, finds
// nothing left to do and writes nothing. The tenant ends with one create and each role
// assigned once.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ASSOCIATE_ROLE, CREATE_USER, US_APP_ID, WORK365_ROLES, assertAccessible, assertConfigured, environment,
  finishRun, heldRoles, loggedRequests, openDashboard, openEnvironment, openSession, readPlan, screenshot,
  tenantWrites,
} from "./support.mjs";

test("two tabs apply the same environment: one creates, the other waits, re-reads and writes nothing", async (t) => {
  const { emulator, browser, page: first } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  await openDashboard(first, emulator);
  const second = await browser.context.newPage();
  second.setDefaultTimeout(20_000);
  await openDashboard(second, emulator);

  for (const tab of [first, second]) {
    await openEnvironment(tab, prod.id);
    const plan = await readPlan(tab);
    assert.equal(plan.writes, 3, "both tabs plan the create and both roles");
  }

  // The first tab's create takes a while, so the second applies while the first holds the
  // environment.
  await emulator.fault({ method: "POST", path: "/api/data/v9.2/systemusers", host: prod.host, count: 1, action: { latency_ms: 4000 } });
  await first.getByTestId("apply").click();
  await first.locator('[data-testid="step"][data-step="create"][data-status="running"]').waitFor();
  await second.getByTestId("apply").click();

  const held = second.getByTestId("lock-wait");
  await held.waitFor({ timeout: 10_000 });
  assert.match(await held.innerText(), /Another tab of this tool is writing to this environment/);
  assert.ok(await second.getByTestId("lock-wait-stop").isVisible(), "the waiting tab can stop");
  assert.match(await second.getByTestId("live").innerText(), /another tab/i);
  await assertAccessible(assert, second, "a tab waiting for another tab");
  await screenshot(second, "another-tab-holds-the-environment");
  const waiting = await emulator.state();
  assert.equal(loggedRequests(waiting, { method: "POST", path: CREATE_USER }).length, 1, "only the first tab's create was sent");

  assert.equal(await finishRun(first, { timeout: 30_000 }), "configured");
  // The second tab gets the environment once the first has verified, reads it again and finds
  // it configured: no write of its own.
  await held.waitFor({ state: "detached", timeout: 20_000 });
  assert.equal(await finishRun(second, { timeout: 30_000 }), "already-configured");

  const after = await emulator.state();
  const env = environment(after, "contosoprod");
  const user = assertConfigured(assert, env);
  assert.equal(env.system_users.filter((u) => u.applicationid === US_APP_ID).length, 1, "exactly one application user");
  assert.deepEqual(heldRoles(env, user).map((r) => r.name).sort(), [...WORK365_ROLES].sort(), "each role held once");
  assert.equal(loggedRequests(after, { method: "POST", path: CREATE_USER }).length, 1, "exactly one create");
  assert.equal(loggedRequests(after, { method: "POST", path: ASSOCIATE_ROLE }).length, 2, "each role assigned once");
  assert.equal(tenantWrites(after).length, 3, "three writes in all, from the first tab");
});

test("the waiting tab can stop: nothing is written from it and the first tab finishes", async (t) => {
  const { emulator, browser, page: first } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  await openDashboard(first, emulator);
  const second = await browser.context.newPage();
  second.setDefaultTimeout(20_000);
  await openDashboard(second, emulator);
  for (const tab of [first, second]) {
    await openEnvironment(tab, prod.id);
    await readPlan(tab);
  }
  await emulator.fault({ method: "POST", path: "/api/data/v9.2/systemusers", host: prod.host, count: 1, action: { latency_ms: 4000 } });
  await first.getByTestId("apply").click();
  await first.locator('[data-testid="step"][data-step="create"][data-status="running"]').waitFor();
  await second.getByTestId("apply").click();
  await second.getByTestId("lock-wait").waitFor({ timeout: 10_000 });
  await second.getByTestId("lock-wait-stop").click();
  assert.equal(await second.getByTestId("outcome").getAttribute("data-outcome", { timeout: 5_000 }), "cancelled");
  assert.equal(await finishRun(first, { timeout: 30_000 }), "configured");
  const after = await emulator.state();
  assert.equal(loggedRequests(after, { method: "POST", path: CREATE_USER }).length, 1);
  assert.equal(tenantWrites(after).length, 3, "only the first tab wrote");
});
