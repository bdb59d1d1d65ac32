// Resilience: a storm of 429s on a write is waited out with a visible countdown;
// a reload in the middle of a run offers to resume it, and continuing repeats no write.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ASSOCIATE_ROLE, CREATE_USER, assertConfigured, assertOnlyCloudHosts, environment, loggedRequests,
  openDashboard, openEnvironment, openSession, readPlan, screenshot, tenantWrites, waitForOutcome,
  finishRun,
} from "./support.mjs";

const CREATE_PATH = "/api/data/v9.2/systemusers";
const ASSOCIATE_PATH = "/api/data/v9.2/systemusers(*)/systemuserroles_association/$ref";

test("throttling storm: three 429s on the create are waited out with a countdown, then configured", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  await openDashboard(page, emulator);
  await openEnvironment(page, prod.id);
  await readPlan(page);
  const throttle = (seconds) => ({
    method: "POST", path: CREATE_PATH, count: 1,
    action: { status: 429, headers: { "Retry-After": String(seconds) }, body: '{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit"}}' },
  });
  await emulator.fault([throttle(2), throttle(1), throttle(2)]);
  await page.getByTestId("apply").click();

  const countdown = page.getByTestId("countdown");
  await countdown.waitFor({ timeout: 10_000 });
  const seconds = Number(await countdown.getAttribute("data-seconds"));
  // Retry-After is 1–2 s; the countdown rounds the remaining wait up to whole seconds.
  assert.ok(seconds >= 1 && seconds <= 3, `countdown shows ${seconds} s`);
  assert.match(await countdown.innerText(), /\d/, "the countdown shows its seconds in words");
  await screenshot(page, "throttled-countdown");
  assert.equal(await finishRun(page, { timeout: 30_000 }), "configured");
  assert.equal(await countdown.count(), 0, "the countdown is gone once the run went on");

  const after = await emulator.state();
  assertConfigured(assert, environment(after, "contosoprod"));
  const creates = loggedRequests(after, { method: "POST", path: CREATE_USER });
  assert.deepEqual(creates.slice(0, 3).map((r) => r.status), [429, 429, 429], "the storm hit the create");
  assert.equal(creates.filter((r) => r.status >= 200 && r.status < 300).length, 1, "created exactly once");
  assert.equal(tenantWrites(after).filter((r) => r.status >= 200 && r.status < 300).length, 3);
  assertOnlyCloudHosts(assert, browser, emulator);
});

test("reload mid-run: the run is offered from sessionStorage, continues when the admin says so, and the application user is created once", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  await openDashboard(page, emulator);
  await openEnvironment(page, prod.id);
  await readPlan(page);
  // The first role assignment hangs for 3 s: the reload lands while it is running.
  await emulator.fault({ method: "POST", path: ASSOCIATE_PATH, count: 1, action: { latency_ms: 3000 } });
  await page.getByTestId("apply").click();
  await page.locator('[data-testid="step"][data-step^="assign:"][data-status="running"]').first().waitFor();
  const during = await emulator.state();
  assert.equal(loggedRequests(during, { method: "POST", path: CREATE_USER, processed: true }).length, 1, "created before the reload");

  await page.reload();
  // Nothing resumes by itself: the dashboard offers the interrupted run, plan already confirmed.
  const offer = page.getByTestId("resume");
  await offer.waitFor({ timeout: 20_000 });
  assert.equal(await offer.getAttribute("data-slot"), "view");
  assert.match(await offer.innerText(), /1 environment was being set up when this page closed/);
  assert.equal(await page.getByTestId("environment").count(), 0, "no environment reopened by itself");
  await page.getByTestId("resume-continue").click();
  await page.getByTestId("resume-note").waitFor({ timeout: 20_000 });
  assert.equal(await page.getByTestId("resume-note").getAttribute("data-plan-confirmed"), "true");
  await page.locator(`[data-testid="environment"][data-env-id="${prod.id}"]`).waitFor();
  assert.equal(await finishRun(page, { timeout: 30_000 }), "configured");
  // Let the hung request finish server-side before reading the log.
  await new Promise((r) => setTimeout(r, 3200));

  const after = await emulator.state();
  assertConfigured(assert, environment(after, "contosoprod"));
  assert.equal(loggedRequests(after, { method: "POST", path: CREATE_USER }).length, 1, "exactly one create POST");
  // An assignment that was in flight at the reload may be sent again (it is idempotent);
  // every other write happens once.
  const associations = loggedRequests(after, { method: "POST", path: ASSOCIATE_ROLE });
  assert.ok(associations.length >= 2 && associations.length <= 3, `2 or 3 assignment POSTs (${associations.length})`);
  assert.equal(tenantWrites(after).filter((w) => w.method !== "POST").length, 0);
  const stored = await page.evaluate(() => JSON.stringify(Object.entries(sessionStorage).filter(([k]) => k.startsWith("w365-appuser"))));
  assert.doesNotMatch(stored, /eyJ/, "the run record in sessionStorage holds no token");
  assertOnlyCloudHosts(assert, browser, emulator);
});
