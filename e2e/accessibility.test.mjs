// axe-core (WCAG 2.1 A/AA) on the dashboard, the environment view and the guide:
// no serious or critical violation. Plus: the dashboard works by keyboard.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  assertAccessible, assertOnlyCloudHosts, environment, openDashboard, openSession, readPlan,
  waitForOutcome,
  finishRun,
} from "./support.mjs";

test("dashboard, environment view and guide have no serious accessibility violation; keyboard opens a row", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  await openDashboard(page, emulator);
  await assertAccessible(assert, page, "dashboard");

  // Keyboard: focus the row's open button and press Enter.
  const open = page.locator(`[data-testid="env-row"][data-env-id="${prod.id}"] [data-testid="env-open"]`);
  await open.focus();
  await page.keyboard.press("Enter");
  await page.locator(`[data-testid="environment"][data-env-id="${prod.id}"]`).waitFor();
  await readPlan(page);
  await assertAccessible(assert, page, "environment view (plan)");

  await page.getByTestId("apply").focus();
  await page.keyboard.press("Enter");
  await page.getByTestId("guide").waitFor();
  await assertAccessible(assert, page, "guide");
  assert.equal(await finishRun(page), "configured");
  // Progress is announced through a live region.
  assert.equal(await page.getByTestId("live").getAttribute("aria-live"), "polite");
  assertOnlyCloudHosts(assert, browser, emulator);
});
