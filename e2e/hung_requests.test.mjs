// Issue 10, point 6: a request cannot hang a run. A Dataverse request that never answers is
// timed out (retried within the policy for a read) and the run ends with a remedy; a cancel
// while a request hangs stops the run within a second, aborts the fetch and sends nothing
// more; a write in flight at the cancel is reported as of unknown effect, with what to do.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CREATE_USER, PRODUCTION_CONFIG, environment, lastSeq, loggedRequests, openDashboard, openEnvironment,
  openSession, readPlan, screenshot, tenantWrites, waitForOutcome,
} from "./support.mjs";

const PROD_HOST = "contosoprod.crm.dynamics.com";
const HANG = { latency_ms: 120_000 };

/** The browser's failed requests, with Chromium's reason (net::ERR_ABORTED for an aborted fetch). */
function failedRequests(page) {
  const failed = [];
  page.on("requestfailed", (request) => failed.push({ method: request.method(), url: request.url(), error: request.failure()?.errorText }));
  return failed;
}

/** Waits until the emulator has logged a request matching `filter` (it is then hanging there). */
async function waitForLogged(emulator, filter, { timeout = 20_000 } = {}) {
  const until = Date.now() + timeout;
  while (Date.now() < until) {
    const found = loggedRequests(await emulator.state(), filter);
    if (found.length) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no request matching ${JSON.stringify({ ...filter, path: String(filter.path) })} reached the emulator`);
}

/** Requests to Microsoft hosts the emulator logged after `since` (token renewals included). */
function loggedAfter(state, since) {
  return state.requests.filter((r) => r.seq > since);
}

test("a hung Dataverse read is timed out, retried within the policy, and the run ends with the timeout's remedy", async (t) => {
  // The test-only knob: every request may take 2 s instead of the production 30 s / 60 s.
  const { emulator, page } = await openSession(t, {
    scenario: "demo",
    config: { ...PRODUCTION_CONFIG, testing: { requestTimeoutMs: 2_000 } },
  });
  const prod = environment(await emulator.state(), "contosoprod");
  await openDashboard(page, emulator);
  const since = lastSeq(await emulator.state());
  // Every WhoAmI of the run hangs: the first, inside the inspection's `$batch` (which then
  // times out as a whole), then asked alone at once, and its four retries.
  await emulator.fault({ method: "GET", path: "/api/data/v9.2/WhoAmI", host: PROD_HOST, count: 6, action: HANG });

  const started = Date.now();
  await openEnvironment(page, prod.id);
  assert.equal(await waitForOutcome(page, { timeout: 60_000 }), "failed");
  const took = Date.now() - started;
  const error = page.getByTestId("error");
  const text = await error.innerText();
  assert.match(text, /did not answer within 2 seconds/, text);
  assert.match(text, /https:\/\/contosoprod\.crm\.dynamics\.com/, "the remedy names the service");
  assert.match(text, /check its state in the Power Platform admin center/);
  assert.match(text, /5 attempts/, "the title says how often it was asked");
  await screenshot(page, "timeout-remedy");

  const after = await emulator.state();
  const attempts = loggedRequests(after, { method: "GET", path: /\/WhoAmI$/, host: /^contosoprod\./, since });
  assert.equal(attempts[0].batch !== undefined, true, "first inside the inspection's $batch");
  const alone = attempts.filter((r) => r.batch === undefined);
  assert.equal(alone.length, 5, "then asked once alone and retried four times");
  assert.equal(attempts.length, 6);
  assert.ok(attempts.every((r) => r.fault === "latency 120000 ms"), "every attempt hung");
  // Six timeouts of 2 s, and backoffs between them; far less than one production timeout each.
  assert.ok(took >= 10_000 && took < 40_000, `the run took ${took} ms`);
  t.diagnostic(`hung read: the run ended with the remedy ${took} ms after the environment was opened`);
  assert.equal(tenantWrites(after, { since }).length, 0, "nothing was written");
});

test("cancel during a hung read stops within a second, aborts the fetch, and sends nothing more", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  const failed = failedRequests(page);
  await openDashboard(page, emulator);
  await emulator.fault({ method: "GET", path: "/api/data/v9.2/WhoAmI", host: PROD_HOST, count: 1, action: HANG });
  await openEnvironment(page, prod.id);
  await waitForLogged(emulator, { method: "GET", path: /\/WhoAmI$/, host: /^contosoprod\./ });
  await page.waitForTimeout(300);

  const since = lastSeq(await emulator.state());
  const browserSince = browser.requests.length;
  const clicked = Date.now();
  await page.getByTestId("cancel").click();
  assert.equal(await waitForOutcome(page, { timeout: 5_000 }), "cancelled");
  const stoppedIn = Date.now() - clicked;
  assert.ok(stoppedIn < 1_000, `stopped ${stoppedIn} ms after the click`);
  t.diagnostic(`cancel: the outcome showed ${stoppedIn} ms after the click`);

  await page.waitForTimeout(1_500);
  assert.deepEqual(loggedAfter(await emulator.state(), since), [], "no request reached Microsoft after the cancel");
  assert.deepEqual(browser.requests.slice(browserSince).filter((u) => /dynamics\.com|microsoft/.test(u)), [], "the browser sent nothing more");
  // The hung WhoAmI went inside the inspection's `$batch`: that fetch is the one aborted.
  const hung = loggedRequests(await emulator.state(), { method: "GET", path: /\/WhoAmI$/, host: /^contosoprod\./ })[0];
  const carrier = hung.batch === undefined ? { method: "GET", path: /\/WhoAmI$/ } : { method: "POST", path: /\/\$batch$/ };
  assert.ok(
    failed.some((f) => f.method === carrier.method && carrier.path.test(f.url) && f.error === "net::ERR_ABORTED"),
    `the hung fetch was aborted: ${JSON.stringify(failed)}`,
  );
});

test("cancel during a hung write stops within a second and says the write's effect is unknown", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  const failed = failedRequests(page);
  await openDashboard(page, emulator);
  await openEnvironment(page, prod.id);
  await readPlan(page);
  await emulator.fault({ method: "POST", path: "/api/data/v9.2/systemusers", host: PROD_HOST, count: 1, action: HANG });
  await page.getByTestId("apply").click();
  await page.locator('[data-testid="step"][data-step="create"][data-status="running"]').waitFor();
  await waitForLogged(emulator, { method: "POST", path: CREATE_USER });
  await page.waitForTimeout(300);

  const since = lastSeq(await emulator.state());
  const browserSince = browser.requests.length;
  const clicked = Date.now();
  await page.getByTestId("cancel").click();
  assert.equal(await waitForOutcome(page, { timeout: 5_000 }), "failed", "not a plain cancel: a write may have happened");
  const stoppedIn = Date.now() - clicked;
  assert.ok(stoppedIn < 1_000, `stopped ${stoppedIn} ms after the click`);
  t.diagnostic(`cancel: the outcome showed ${stoppedIn} ms after the click`);
  const text = await page.getByTestId("error").innerText();
  assert.match(text, /create the application user/, text);
  assert.match(text, /whether it took effect is unknown/);
  assert.match(text, /Inspect and plan again/);
  assert.equal(
    await page.locator('[data-testid="step"][data-step="create"]').getAttribute("data-status"), "unknown",
    "the create's step shows its effect as unknown, not as failed",
  );
  await screenshot(page, "cancel-write-in-doubt");

  await page.waitForTimeout(1_500);
  assert.deepEqual(loggedAfter(await emulator.state(), since), [], "no request reached Microsoft after the cancel");
  assert.deepEqual(browser.requests.slice(browserSince).filter((u) => /dynamics\.com|microsoft/.test(u)), [], "the browser sent nothing more");
  assert.ok(
    failed.some((f) => f.method === "POST" && /\/systemusers$/.test(f.url) && f.error === "net::ERR_ABORTED"),
    `the hung write was aborted: ${JSON.stringify(failed)}`,
  );
  const creates = loggedRequests(await emulator.state(), { method: "POST", path: CREATE_USER });
  assert.equal(creates.length, 1, "the create went out once");
  assert.equal(creates[0].status, null, "and was never answered");
});
