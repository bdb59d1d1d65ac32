// The app driven as a person uses it, only through the `data-testid` hooks of issue 4 §10
// (src/ui/README.md): signing in, the dashboard's rows, an environment's steps, the plan, the
// guide and the outcome.
import { ADMIN } from "./emulator.mjs";
import { signInWithPopup } from "./browser.mjs";

/** Every row status of issue 4 §10 that ends a row's inspection (`unusable`: never inspected). */
export const FINAL_ROW_STATUSES = [
  "not-installed", "no-access", "not-consented", "needs-setup", "configured", "blocked", "error", "unusable",
];

/** Opens the app, signs in through the popup, and waits until every row is inspected. */
export async function signInToDashboard(page, emulator, { upn = ADMIN, timeout = 30_000 } = {}) {
  await page.goto(`${emulator.base}/`);
  await page.getByTestId("sign-in").waitFor();
  await signInWithPopup(page, upn);
  return waitForDashboard(page, { timeout });
}

/** Waits until every `env-row` carries a final `data-status`; returns { envId: status }. */
export async function waitForDashboard(page, { timeout = 30_000 } = {}) {
  await page.getByTestId("env-row").first().waitFor({ timeout });
  await page.waitForFunction((finals) => {
    const rows = [...document.querySelectorAll('[data-testid="env-row"]')];
    return rows.length > 0 && rows.every((row) => finals.includes(row.dataset.status));
  }, FINAL_ROW_STATUSES, { timeout, polling: 100 });
  return rowStatuses(page);
}

/** { envId: status } of every row on the page. */
export async function rowStatuses(page) {
  const pairs = await page.getByTestId("env-row").evaluateAll(
    (rows) => rows.map((row) => [row.dataset.envId, row.dataset.status]),
  );
  return Object.fromEntries(pairs);
}

/** The dashboard row of one environment (by EnvironmentId). */
export function envRow(page, envId) {
  return page.locator(`[data-testid="env-row"][data-env-id="${envId}"]`);
}

/** Waits until a row shows `status`; fails with the status it was stuck on. */
export async function waitForRowStatus(page, envId, status, { timeout = 20_000 } = {}) {
  try {
    await page.waitForFunction(([id, wanted]) => {
      const row = document.querySelector(`[data-testid="env-row"][data-env-id="${id}"]`);
      return row?.dataset.status === wanted;
    }, [envId, status], { timeout, polling: 100 });
  } catch (error) {
    const seen = await envRow(page, envId).getAttribute("data-status", { timeout: 1_000 }).catch(() => "no row");
    throw new Error(`row ${envId} did not reach ${status} within ${timeout} ms (it shows ${seen})`, { cause: error });
  }
}

/** Waits until a `step` hook shows `status` (e.g. create-app-user done). */
export async function waitForStep(page, step, status, { timeout = 20_000 } = {}) {
  await page.locator(`[data-testid="step"][data-step="${step}"][data-status="${status}"]`).first().waitFor({ timeout });
}

/** { step: status } of every `step` hook on the page (last one wins per name). */
export async function stepStatuses(page) {
  const pairs = await page.getByTestId("step").evaluateAll(
    (steps) => steps.map((step) => [step.dataset.step, step.dataset.status]),
  );
  return Object.fromEntries(pairs);
}

/** Waits until no `step` is pending or running, and none failed. */
export async function waitForStepsSettled(page, { timeout = 30_000 } = {}) {
  await page.getByTestId("step").first().waitFor({ timeout });
  await page.waitForFunction(() => {
    const steps = [...document.querySelectorAll('[data-testid="step"]')];
    return steps.length > 0 && steps.every((s) => ["done", "skipped", "failed", "unknown"].includes(s.dataset.status));
  }, undefined, { timeout, polling: 100 });
  return stepStatuses(page);
}

// --- flows, as src/ui/README.md describes them --------------------------------

/**
 * Opens the app in `page` and gets to the dashboard: ssoSilent may sign in on its
 * own (a Microsoft session cookie exists), else the sign-in popup is used.
 */
export async function openDashboard(page, emulator, { upn = ADMIN, timeout = 30_000 } = {}) {
  await page.goto(`${emulator.base}/`);
  await page.locator('[data-testid="sign-in"], [data-testid="env-row"], [data-testid="no-environments"]').first().waitFor({ timeout });
  if (await page.getByTestId("sign-in").isVisible()) await signInWithPopup(page, upn);
  return waitForDashboard(page, { timeout });
}

/** Opens one environment's view from the dashboard. */
export async function openEnvironment(page, envId) {
  await envRow(page, envId).getByTestId("env-open").click();
  await page.locator(`[data-testid="environment"][data-env-id="${envId}"]`).waitFor();
}

/** Waits for the plan; returns { writes, steps: [data-step…], text }. */
export async function readPlan(page, { timeout = 20_000 } = {}) {
  const plan = page.getByTestId("plan");
  await plan.waitFor({ timeout });
  return {
    writes: Number(await plan.getAttribute("data-writes")),
    steps: await plan.getByTestId("plan-step").evaluateAll((els) => els.map((el) => el.dataset.step)),
    text: await plan.innerText(),
  };
}

/** Waits for the run's `outcome`; returns its `data-outcome`. */
export async function waitForOutcome(page, { timeout = 30_000 } = {}) {
  const outcome = page.getByTestId("outcome");
  await outcome.waitFor({ timeout });
  return outcome.getAttribute("data-outcome");
}

/** Confirms every guide step; returns how many were confirmed. */
export async function confirmGuide(page, { max = 10 } = {}) {
  await page.getByTestId("guide").waitFor();
  let confirmed = 0;
  while (confirmed < max && await page.getByTestId("guide-confirm").isVisible()) {
    await page.getByTestId("guide-confirm").click();
    confirmed += 1;
    await page.waitForTimeout(50);
  }
  return confirmed;
}

/** Secret-looking material in a report: JWTs (and anything named a token with a value). */
export function assertNoSecrets(assert, text, what) {
  assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{8,}/, `${what} contains a JWT`);
  assert.doesNotMatch(text, /"(access_?token|id_?token|refresh_?token)"\s*:\s*"[^"]+"/i, `${what} contains a token field`);
}

/**
 * Waits for the read-back (`evidence`), then answers the guide (`skip` stops it,
 * `confirm` confirms every step), and returns the run's `data-outcome`: the core
 * ends a setup run only after the guide.
 */
export async function finishRun(page, { guide = "skip", timeout = 30_000 } = {}) {
  await page.locator('[data-testid="evidence"], [data-testid="outcome"], [data-testid="error"]').first().waitFor({ timeout });
  if (await page.getByTestId("evidence").isVisible()) {
    await page.locator('[data-testid="guide"], [data-testid="outcome"]').first().waitFor({ timeout });
    if (await page.getByTestId("guide").isVisible()) {
      if (guide === "confirm") await confirmGuide(page);
      else if (await page.getByTestId("guide-skip").isVisible()) await page.getByTestId("guide-skip").click();
    }
  }
  return waitForOutcome(page, { timeout });
}
