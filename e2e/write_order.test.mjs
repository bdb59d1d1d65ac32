// Microsoft's order of writes (issue 9, point 4; `pp: admin/assign-security-roles.md`:
// a role can only be assigned to an enabled user). A disabled application user is
// enabled first, alone, and its roles follow only once the enable is confirmed:
// the enable is slowed down here, so roles sent alongside it would reach a still
// disabled user and be refused by the emulator, as by Dataverse. Undo removes the
// roles first and disables last. The steps on the page show the same order.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ASSOCIATE_ROLE, WORK365_ROLES, assertConfigured, assertOnlyCloudHosts, environment, finishRun, loggedRequests,
  openDashboard, openEnvironment, openSession, readPlan, screenshot, tenantWrites, waitForOutcome,
} from "./support.mjs";

test("a disabled application user is enabled and confirmed before its role is assigned", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "disabled-app-user" });
  const prod = environment(await emulator.state(), "contosoprod");
  await emulator.fault({ method: "PATCH", path: "/api/data/v9.2/systemusers(*", action: { latency_ms: 1500 } });

  await openDashboard(page, emulator);
  await openEnvironment(page, prod.id);
  const plan = await readPlan(page);
  assert.deepEqual(plan.steps, ["enable", `assign:${WORK365_ROLES[1]}`]);
  await page.getByTestId("apply").click();

  // While the enable is in flight, the role waits.
  await page.locator('[data-testid="step"][data-step="enable"][data-status="running"]').waitFor();
  assert.equal(await page.locator(`[data-testid="step"][data-step="assign:${WORK365_ROLES[1]}"]`).getAttribute("data-status"), "pending");
  await screenshot(page, "write-order-enable-first");
  assert.equal(await finishRun(page), "configured");

  const after = await emulator.state();
  assertConfigured(assert, environment(after, "contosoprod"));
  const writes = tenantWrites(after);
  assert.deepEqual(writes.map((w) => w.method), ["PATCH", "POST"], JSON.stringify(writes));
  assert.ok(writes.every((w) => w.status === 204), `no write was refused: ${JSON.stringify(writes)}`);
  const patch = writes[0];
  const role = loggedRequests(after, { method: "POST", path: ASSOCIATE_ROLE })[0];
  // The role reached the emulator after the enable (which took 1.5 s to answer), and found
  // the user enabled: it was answered 204, not refused.
  assert.ok(patch.seq < role.seq);
  assert.equal(role.status, 204);
  assertOnlyCloudHosts(assert, browser, emulator);
});

test("undo removes the roles before it disables the user", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const sandbox = environment(await emulator.state(), "contososandbox");
  await emulator.fault({ method: "DELETE", path: "*systemuserroles_association/$ref", count: 2, action: { latency_ms: 700 } });

  await openDashboard(page, emulator);
  await openEnvironment(page, sandbox.id);
  assert.equal(await finishRun(page), "already-configured");
  await page.getByTestId("undo").click();
  await page.getByTestId("undo-confirm").waitFor();
  const changes = await page.getByTestId("undo-change").allInnerTexts();
  assert.match(changes.at(-1), /disabl/i, `disabling is the last change listed: ${JSON.stringify(changes)}`);
  await page.getByTestId("undo-proceed").click();
  assert.equal(await waitForOutcome(page), "undone");

  const writes = tenantWrites(await emulator.state());
  assert.deepEqual(writes.map((w) => w.method), ["DELETE", "DELETE", "PATCH"], JSON.stringify(writes));
  assert.ok(writes.every((w) => w.status === 204));
  const steps = await page.getByTestId("step").evaluateAll((els) => els.map((e) => e.dataset.step));
  assert.deepEqual(steps.filter((s) => s !== "inspect" && s !== "verify"),
    [...WORK365_ROLES.map((role) => `remove:${role}`), "disable"]);
  assertOnlyCloudHosts(assert, browser, emulator);
});
