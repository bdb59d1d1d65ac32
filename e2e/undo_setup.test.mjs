// Undo: behind a confirmation that names exactly what will change, the
// application user loses the Work 365 roles and is disabled (not deleted).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  WORK365_ROLES, appUser, assertOnlyCloudHosts, environment, heldRoles, openDashboard, openEnvironment,
  openSession, finishRun, screenshot, tenantWrites, waitForDashboard, waitForOutcome,
} from "./support.mjs";

test("undo on the sandbox: the confirmation names the changes; roles removed and the user disabled", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const before = await emulator.state();
  const sandbox = environment(before, "contososandbox");
  const user = appUser(sandbox);
  assert.equal(user.isdisabled, false);

  const statuses = await openDashboard(page, emulator);
  assert.equal(statuses[sandbox.id], "configured");
  await openEnvironment(page, sandbox.id);
  // Stop the guide so no run is in progress, then ask for undo.
  assert.equal(await finishRun(page), "already-configured");
  await page.getByTestId("undo").click();

  const confirm = page.getByTestId("undo-confirm");
  await confirm.waitFor();
  assert.equal(await confirm.getAttribute("role"), "alertdialog");
  const changes = await confirm.getByTestId("undo-change").allInnerTexts();
  assert.equal(changes.length, 3, `three changes listed: ${JSON.stringify(changes)}`);
  for (const role of WORK365_ROLES) {
    assert.ok(changes.some((c) => c.includes(role)), `the confirmation names removing ${role}`);
  }
  assert.ok(changes.some((c) => /disabl/i.test(c)), "the confirmation names disabling the user");
  assert.deepEqual(tenantWrites(await emulator.state()), [], "nothing written before the confirmation");
  await screenshot(page, "undo-confirmation");

  await page.getByTestId("undo-proceed").click();
  assert.equal(await waitForOutcome(page), "undone");

  const after = await emulator.state();
  const env = environment(after, "contososandbox");
  const undone = env.system_users.find((u) => u.id === user.id);
  assert.ok(undone, "the application user is kept (disabled, not deleted)");
  assert.equal(undone.isdisabled, true);
  const names = heldRoles(env, undone).map((r) => r.name);
  for (const role of WORK365_ROLES) assert.ok(!names.includes(role), `${role} removed (holds ${names})`);
  const writes = tenantWrites(after);
  assert.equal(writes.filter((w) => w.method === "DELETE").length, 2);
  assert.equal(writes.filter((w) => w.method === "PATCH").length, 1);
  assert.equal(writes.length, 3);
  assert.ok(writes.every((w) => w.host === sandbox.host));

  // Back on the dashboard the sandbox needs setup again.
  await page.getByTestId("back").click();
  const statusesAfter = await waitForDashboard(page);
  assert.equal(statusesAfter[sandbox.id], "needs-setup");
  assertOnlyCloudHosts(assert, browser, emulator);
});
