// Every environment is listed (issue 9, points 2 and 3): the tenant's default
// environment, whose id is `Default-{tenantId}`, is a row like any other; a
// disabled one (`State` 1 in discovery) is a `blocked` row that says it is
// disabled and how to enable it, and nothing is ever sent to its host — not by
// the dashboard, not when it is opened, not in a batch.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assertAccessible, assertOnlyCloudHosts, envRow, environment, loggedRequests, openDashboard, openSession,
  screenshot, tenantWrites, waitForOutcome,
} from "./support.mjs";

/** Requests the emulator saw for a host, and those the browser sent there (CORS preflights too). */
function requestsTo(state, browser, host) {
  const emulatorSaw = loggedRequests(state, { host: new RegExp(`^${host.replaceAll(".", "\\.")}(:|$)`) });
  const browserSent = browser.requests.filter((url) => /^https:/.test(url) && new URL(url).hostname === host);
  return { emulatorSaw, browserSent };
}

test("the default environment is a row like any other; the disabled one is blocked, says what to do and is never asked anything", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const before = await emulator.state();
  const defaultEnv = environment(before, "contosodefault");
  const training = environment(before, "contosotraining");
  assert.equal(defaultEnv.id, `Default-${before.tenant.id}`);
  assert.equal(training.state, 1);

  const statuses = await openDashboard(page, emulator);
  assert.equal(Object.keys(statuses).length, 5, `every environment is listed: ${JSON.stringify(statuses)}`);
  assert.equal(statuses[defaultEnv.id], "not-installed", "the default environment is inspected like any other");
  assert.equal(statuses[training.id], "blocked");

  // The default environment's row, under its string id.
  const defaultRow = envRow(page, defaultEnv.id);
  assert.match(await defaultRow.getByTestId("env-open").innerText(), /Contoso \(default\)/);
  assert.match(await defaultRow.getByTestId("env-version").innerText(), /not installed/);

  // The disabled environment's row: blocked, disabled, how to enable it; nothing inspected.
  const row = envRow(page, training.id);
  const status = await row.getByTestId("env-status").innerText();
  assert.match(status, /Blocked/);
  assert.match(status, /disabled/i);
  const remedy = await row.getByTestId("env-remedy").innerText();
  assert.match(remedy, /Power Platform admin center/);
  assert.match(remedy, /Environments → select this environment → Re-enable environment/);
  assert.match(await row.getByTestId("env-version").innerText(), /not inspected/);
  await screenshot(page, "dashboard-default-and-disabled-environments");
  await assertAccessible(assert, page, "the dashboard with a disabled row");

  let seen = requestsTo(await emulator.state(), browser, training.host);
  assert.deepEqual(seen.emulatorSaw, [], "the emulator saw no request for the disabled environment");
  assert.deepEqual(seen.browserSent, [], "the browser sent nothing to the disabled environment");

  // Opened, it says the same and still asks nothing.
  await row.getByTestId("env-open").click();
  await page.locator(`[data-testid="environment"][data-env-id="${training.id}"]`).waitFor();
  assert.equal(await waitForOutcome(page), "stopped");
  const error = await page.getByTestId("error").innerText();
  assert.match(error, /disabled/i);
  assert.match(error, /Re-enable environment/);
  assert.equal(await page.locator('[data-testid="step"][data-step="inspect"]').getAttribute("data-status"), "skipped");
  await screenshot(page, "disabled-environment-view");

  // In a batch with every row, it is recorded as stopped, and still asked nothing.
  await page.getByTestId("back").click();
  await page.getByTestId("select-all").check();
  await page.getByTestId("batch-run").click();
  await page.locator('[data-testid="batch-summary"][data-done="true"]').waitFor({ timeout: 60_000 });
  const after = await emulator.state();
  seen = requestsTo(after, browser, training.host);
  assert.deepEqual(seen.emulatorSaw, [], "still no request for the disabled environment");
  assert.deepEqual(seen.browserSent, []);
  const trainingAfter = environment(after, "contosotraining");
  assert.deepEqual(trainingAfter.system_users, training.system_users, "nothing changed in it");
  // The batch set up only contosoprod; the default and dev environments have no Work 365.
  assert.ok(tenantWrites(after).every((w) => w.host === environment(after, "contosoprod").host),
    JSON.stringify(tenantWrites(after).map((w) => w.host)));
  assertOnlyCloudHosts(assert, browser, emulator);
});
