// Work 365 is found by what the vendor documents (issue 9, point 6): its two
// roles say it is installed; its version comes from any solution whose unique or
// display name contains "Work 365"/"Work365", and each row and the environment
// view say which solution that was. An unknown version warns and setup goes on;
// only a known version below 3.5 blocks.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assertConfigured, assertOnlyCloudHosts, envRow, environment, finishRun, loggedRequests, openDashboard,
  openEnvironment, openSession, readPlan, screenshot, tenantWrites,
} from "./support.mjs";

test("a solution named w365_Core gives the version; the row and the view say it was read from it", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "solution-named-otherwise" });
  const prod = environment(await emulator.state(), "contosoprod");
  const statuses = await openDashboard(page, emulator);
  assert.equal(statuses[prod.id], "needs-setup");
  const version = envRow(page, prod.id).getByTestId("env-version");
  assert.match(await version.innerText(), /^3\.6\.0\.3/);
  assert.equal(await version.getByTestId("env-version-source").innerText(),
    "read from solution w365_Core (“Work 365 Core Solution”)");
  assert.equal(await version.getByTestId("env-version-note").count(), 0);
  // Dataverse was asked leniently, by either name.
  const asked = loggedRequests(await emulator.state(), { method: "GET", path: /\/solutions\?/ });
  assert.ok(asked.length > 0);
  const filters = asked.map((r) => decodeURIComponent(r.path));
  assert.ok(filters.every((f) => f.includes("contains(uniquename,'Work 365')") && f.includes("contains(friendlyname,'Work365')")),
    filters.join("\n"));

  await openEnvironment(page, prod.id);
  const product = page.getByTestId("product");
  await product.waitFor();
  assert.equal(await product.getAttribute("data-verdict"), "sufficient");
  assert.match(await product.innerText(), /Work 365: 3\.6\.0\.3, read from solution w365_Core/);
  await readPlan(page);
  await screenshot(page, "environment-version-source");
  assert.deepEqual(tenantWrites(await emulator.state()), []);
  assertOnlyCloudHosts(assert, browser, emulator);
});

test("the roles without any Work 365 solution: installed, version unknown, a warning, and setup goes on to verified", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "roles-without-solution" });
  const prod = environment(await emulator.state(), "contosoprod");
  const statuses = await openDashboard(page, emulator);
  assert.equal(statuses[prod.id], "needs-setup");
  const version = envRow(page, prod.id).getByTestId("env-version");
  assert.match(await version.innerText(), /installed, version unknown/);
  assert.match(await version.getByTestId("env-version-note").innerText(), /3\.5 or later is required/);
  await screenshot(page, "dashboard-version-unknown");

  await openEnvironment(page, prod.id);
  await page.getByTestId("version-note").waitFor();
  assert.equal(await page.getByTestId("product").getAttribute("data-verdict"), "unknown");
  const plan = await readPlan(page);
  assert.equal(plan.writes, 3);
  await page.getByTestId("apply").click();
  assert.equal(await finishRun(page), "configured");
  assertConfigured(assert, environment(await emulator.state(), "contosoprod"));
  assertOnlyCloudHosts(assert, browser, emulator);
});

test("Work 365 3.4.1.7 is a known version below 3.5: blocked as too old, nothing written", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "old-version" });
  const prod = environment(await emulator.state(), "contosoprod");
  const statuses = await openDashboard(page, emulator);
  assert.equal(statuses[prod.id], "not-installed");
  const row = envRow(page, prod.id);
  assert.match(await row.getByTestId("env-version").innerText(), /3\.4\.1\.7 \(too old\)/);
  assert.match(await row.getByTestId("env-status").innerText(), /too old/);
  assert.match(await row.getByTestId("env-remedy").innerText(), /3\.5 or later is required/);
  assert.deepEqual(tenantWrites(await emulator.state()), []);
  assertOnlyCloudHosts(assert, browser, emulator);
});
