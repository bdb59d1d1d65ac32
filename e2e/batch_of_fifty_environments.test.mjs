// A batch: 200 environments listed and inspected, the first 50 selected and set
// up unattended with a progress bar; exactly those 50 end configured, and each row
// shows its new state as soon as its environment is done, not when the batch is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  CREATE_USER, appUser, assertConfigured, assertOnlyCloudHosts, envRow, loggedRequests, openDashboard,
  openSession, rowStatuses, tenantWrites, viewportScreenshot, ARTIFACTS,
} from "./support.mjs";

test("batch-200: 50 selected environments are set up in one batch, the other 150 untouched", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "batch-200" });
  const before = await emulator.state();
  const statuses = await openDashboard(page, emulator, { timeout: 120_000 });
  assert.equal(Object.keys(statuses).length, 200);
  assert.deepEqual([...new Set(Object.values(statuses))], ["needs-setup"]);

  const chosen = before.tenant.environments.slice(0, 50);
  for (const env of chosen) await envRow(page, env.id).getByTestId("env-select").check();
  // One environment answers its create slowly, so the batch stays open for seconds
  // after the others are done.
  const slow = chosen[chosen.length - 1];
  await emulator.fault({
    method: "POST", path: "/api/data/v9.2/systemusers", host: slow.host, count: 1,
    action: { latency_ms: 4000 },
  });
  const started = Date.now();
  await page.getByTestId("batch-run").click();
  const progress = page.getByTestId("batch-progress");
  await progress.waitFor();
  assert.equal(await progress.getAttribute("max"), "50");
  await page.locator(`[data-testid="env-row"][data-env-id="${chosen[0].id}"][data-status="configured"]`)
    .waitFor({ timeout: 60_000 });
  assert.equal(await page.getByTestId("batch-summary").getAttribute("data-done"), "false",
    "a finished environment's row is updated while the batch still runs");
  // Viewport only: 200 rows make a full-page image of several MB.
  await viewportScreenshot(page, join(ARTIFACTS, "batch-progress.png"));
  await page.locator('[data-testid="batch-summary"][data-done="true"]').waitFor({ timeout: 120_000 });
  const seconds = (Date.now() - started) / 1000;
  t.diagnostic(`50 environments applied in ${seconds.toFixed(1)} s`);
  assert.equal(await progress.getAttribute("value"), "50");
  await viewportScreenshot(page, join(ARTIFACTS, "batch-summary.png"));

  const shown = await rowStatuses(page);
  for (const env of chosen) assert.equal(shown[env.id], "configured", `row ${env.unique_name}`);
  const after = await emulator.state();
  const chosenIds = new Set(chosen.map((e) => e.id));
  for (const env of after.tenant.environments) {
    if (chosenIds.has(env.id)) assertConfigured(assert, env);
    else assert.equal(appUser(env), undefined, `${env.unique_name} untouched`);
  }
  assert.equal(loggedRequests(after, { method: "POST", path: CREATE_USER, processed: true }).length, 50);
  assert.equal(tenantWrites(after).length, 150, "one create and two role assignments per environment");
  assertOnlyCloudHosts(assert, browser, emulator);
});
