// The environment view around a run: the guide resumes at its step after a reload, leaving
// the view returns focus to the environment's row, and `cancel` is offered only while there
// is something left to cancel.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CREATE_USER, appUser, download, envRow, environment, finishRun, loggedRequests, openDashboard, openEnvironment,
  openSession, readPlan, screenshot, tenantWrites, waitForOutcome,
} from "./support.mjs";

const guideStatuses = (page) => page.getByTestId("guide-step").evaluateAll((els) => els.map((el) => el.dataset.status));

test("the guide resumes at the first unconfirmed step after a reload", async (t) => {
  const { emulator, page } = await openSession(t, { scenario: "demo" });
  const sandbox = environment(await emulator.state(), "contososandbox");
  await openDashboard(page, emulator);
  // Already configured: nothing to write, the guide follows the read-back at once.
  await openEnvironment(page, sandbox.id);
  await page.getByTestId("guide-confirm").waitFor();
  await page.getByTestId("guide-confirm").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="guide-step"][data-status="done"]').length === 1);
  await page.getByTestId("guide-confirm").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="guide-step"][data-status="done"]').length === 2);
  assert.deepEqual(await guideStatuses(page), ["done", "done", "current", "pending"]);

  await page.reload();
  // The run is offered, not resumed by itself; continuing it resumes the guide.
  await page.getByTestId("resume-continue").click({ timeout: 20_000 });
  await page.getByTestId("resume-note").waitFor({ timeout: 20_000 });
  await page.locator('[data-testid="guide-step"][data-status="current"]').waitFor({ timeout: 20_000 });
  assert.deepEqual(await guideStatuses(page), ["done", "done", "current", "pending"], "step 3 is current, 1 and 2 done");
  const current = await page.getByTestId("guide-step").evaluateAll((els) => els.map((el) => el.getAttribute("aria-current")));
  assert.deepEqual(current, [null, null, "step", null], "assistive technology is told which step is current");

  // Two confirmations are left, not four.
  await page.getByTestId("guide-confirm").click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="guide-step"][data-status="done"]').length === 3);
  await page.getByTestId("guide-confirm").click();
  assert.equal(await waitForOutcome(page), "already-configured");
  assert.deepEqual(await guideStatuses(page), ["done", "done", "done", "done"]);
  const report = JSON.parse((await download(page, "report-json")).text);
  const run = report.environments.find((r) => r.environment.id === sandbox.id && r.mode === "setup" && r.outcome);
  assert.deepEqual(run.confirmations.map((c) => c.answer),
    ["confirmed before a reload", "confirmed before a reload", "confirmed", "confirmed"]);
  assert.equal(tenantWrites(await emulator.state()).length, 0, "the guide writes nothing");
});

test("leaving an environment returns focus to its row's open button", async (t) => {
  const { emulator, page } = await openSession(t, { scenario: "demo" });
  const dev = environment(await emulator.state(), "contosodev");
  await openDashboard(page, emulator);
  // By keyboard, as the admin this is for would.
  const open = page.locator(`[data-testid="env-row"][data-env-id="${dev.id}"] [data-testid="env-open"]`);
  await open.focus();
  await page.keyboard.press("Enter");
  await page.locator(`[data-testid="environment"][data-env-id="${dev.id}"]`).waitFor();
  await waitForOutcome(page);
  await page.getByTestId("back").focus();
  await page.keyboard.press("Enter");
  await page.getByTestId("dashboard").waitFor();
  await page.waitForFunction((id) => {
    const el = document.activeElement;
    return el?.dataset.testid === "env-open" && el.closest('[data-testid="env-row"]')?.dataset.envId === id;
  }, dev.id, { timeout: 5_000 }).catch(() => {});
  const focused = await page.evaluate(() => {
    const el = document.activeElement;
    return { testid: el?.dataset.testid ?? el?.tagName, row: el?.closest('[data-testid="env-row"]')?.dataset.envId ?? null };
  });
  assert.deepEqual(focused, { testid: "env-open", row: dev.id });
});

test("cancel is offered only while the run can still be cancelled", async (t) => {
  const { emulator, page } = await openSession(t, { scenario: "demo" });
  const state = await emulator.state();
  const prod = environment(state, "contosoprod");
  const sandbox = environment(state, "contososandbox");
  await openDashboard(page, emulator);
  const cancel = page.getByTestId("cancel");

  // Done: verified, the guide open (the run still waits for it) — nothing left to cancel.
  await openEnvironment(page, sandbox.id);
  await page.getByTestId("guide-confirm").waitFor();
  assert.equal(await cancel.count(), 0, "no cancel once verified");
  assert.equal(await finishRun(page), "already-configured");
  assert.equal(await cancel.count(), 0);
  await page.getByTestId("back").click();
  // Leaving while the guide is open stops the guide; the verified run is not "cancelled".
  await openEnvironment(page, sandbox.id);
  await page.getByTestId("guide-confirm").waitFor();
  await page.getByTestId("back").click();
  await page.getByTestId("dashboard").waitFor();

  // Cancelled: while the plan waits, cancel is there; once used, it is gone.
  await openEnvironment(page, prod.id);
  await readPlan(page);
  assert.equal(await cancel.count(), 1, "cancel while the plan waits");
  await cancel.click();
  assert.equal(await waitForOutcome(page), "cancelled");
  assert.equal(await cancel.count(), 0, "no cancel once cancelled");

  // Failed: the create is refused; the run ends failed, without cancel.
  await page.getByTestId("rerun").click();
  await readPlan(page);
  await emulator.fault({
    method: "POST", path: "/api/data/v9.2/systemusers", count: 1,
    action: { status: 400, body: '{"error":{"code":"0x80040203","message":"Invalid argument."}}' },
  });
  await page.getByTestId("apply").click();
  assert.equal(await waitForOutcome(page), "failed");
  assert.equal(await cancel.count(), 0, "no cancel once failed");
  const after = await emulator.state();
  assert.equal(appUser(environment(after, "contosoprod")), undefined, "nothing was created");
  assert.equal(loggedRequests(after, { method: "POST", path: CREATE_USER, processed: true }).length, 0);

  // Cancelled by going back: the run is recorded as cancelled (the dashboard row is told).
  await page.getByTestId("rerun").click();
  await readPlan(page);
  await page.getByTestId("back").click();
  await page.getByTestId("dashboard").waitFor();
  const lastRun = envRow(page, prod.id).getByTestId("env-last-run");
  assert.equal(await lastRun.getAttribute("data-outcome"), "cancelled");
  assert.match(await lastRun.textContent(), /Setup cancelled; nothing was written/);
  await screenshot(page, "dashboard-last-run");
  const report = JSON.parse((await download(page, "report-json")).text);
  const runs = report.environments.filter((r) => r.environment.id === prod.id && r.mode === "setup");
  assert.deepEqual(runs.map((r) => r.outcome?.outcome), ["cancelled", "failed", "cancelled"]);
  const sandboxRuns = report.environments.filter((r) => r.environment.id === sandbox.id && r.mode === "setup");
  assert.deepEqual(sandboxRuns.map((r) => r.outcome?.outcome), ["configured", "configured"]);
  assert.equal(sandboxRuns[1].confirmations.at(-1).answer, "left unconfirmed");
  assert.equal(tenantWrites(await emulator.state()).filter((w) => w.status >= 200 && w.status < 300).length, 0);
});
