// Resuming asks first. A tab whose sessionStorage holds an unfinished run — a duplicated tab
// (the browser copies sessionStorage into it), a restored session, a reload — shows what was
// being done and what is still pending, and writes nothing until the admin says so. A stored
// run that does not fit (another app id, an environment discovery does not list) is refused
// with a message; one older than an hour is offered for re-inspection only.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CREATE_USER, US_APP_ID, assertAccessible, assertConfigured, environment, lastSeq, loggedRequests, openDashboard,
  openSession, scenarioVariant, screenshot, tenantWrites, waitForDashboard,
} from "./support.mjs";

// The session record, key by key (crates/core/src/session_store.rs).
const HEAD = "w365-appuser.session.head";
const VIEW = "w365-appuser.session.view";
const BATCH = "w365-appuser.session.batch";

/** batch-200's template, five times. */
const FIVE = scenarioVariant("batch-200", (s) => { s.environment_repeats[0].count = 5; });

/** The tool's own sessionStorage entries (and MSAL's, as a duplicated tab gets them). */
const storageOf = (page) => page.evaluate(() => Object.entries(sessionStorage));

/**
 * A new tab with a copy of `entries` in its sessionStorage, as the browser's "Duplicate tab"
 * makes one, opened on the tool's dashboard (signed in from the copied MSAL cache or the
 * Microsoft session).
 */
async function duplicate(context, emulator, entries) {
  const tab = await context.newPage();
  tab.setDefaultTimeout(20_000);
  await tab.addInitScript((copied) => {
    if (sessionStorage.getItem("w365-duplicated")) return;
    sessionStorage.setItem("w365-duplicated", "1");
    for (const [k, v] of copied) sessionStorage.setItem(k, v);
  }, entries);
  await openDashboard(tab, emulator);
  return tab;
}

test("a duplicated tab with a stored batch writes nothing until the admin continues it", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: FIVE });
  const { tenant } = await emulator.state();
  await openDashboard(page, emulator);

  // The batch starts; its inspections are slow, so the tab is duplicated before any write.
  await emulator.fault({ method: "GET", path: "/api/data/v9.2/WhoAmI", count: 5, action: { latency_ms: 3000 } });
  await page.getByTestId("select-all").check();
  await page.getByTestId("batch-run").click();
  await page.getByTestId("batch-progress").waitFor();
  const copied = await storageOf(page);
  const stored = Object.fromEntries(copied);
  assert.equal(JSON.parse(stored[BATCH]).environments.length, 5, "the batch is kept");
  const record = copied.filter(([k]) => k.startsWith("w365-appuser.session."));
  assert.doesNotMatch(JSON.stringify(record), /eyJ/, "no token in the stored run");
  await page.close();
  // Let the original tab's reads finish server-side before counting.
  await new Promise((r) => setTimeout(r, 3500));
  const opened = lastSeq(await emulator.state());

  const dup = await duplicate(browser.context, emulator, copied);
  const offer = dup.getByTestId("resume");
  await offer.waitFor();
  assert.equal(await offer.getAttribute("data-slot"), "batch");
  assert.equal(await offer.getAttribute("data-pending"), "5");
  assert.equal(await offer.getAttribute("data-reinspect-only"), "false");
  assert.match(await offer.innerText(), /5 environments were being set up when this page closed/);
  const pending = await dup.getByTestId("resume-pending").evaluateAll((els) => els.map((e) => e.dataset.envId));
  assert.deepEqual(pending.sort(), tenant.environments.map((e) => e.id).sort());
  await assertAccessible(assert, dup, "the resume prompt");
  await screenshot(dup, "resume-prompt");

  // Nothing runs while the admin has not decided.
  await dup.waitForTimeout(3000);
  assert.deepEqual(tenantWrites(await emulator.state(), { since: opened }), [], "no write before the admin continues");
  assert.equal(await dup.getByTestId("batch-progress").count(), 0, "no batch started by itself");

  await dup.getByTestId("resume-continue").click();
  await dup.locator('[data-testid="batch-summary"][data-done="true"]').waitFor({ timeout: 60_000 });
  assert.equal(await offer.count(), 0, "the prompt is gone once answered");
  const after = await emulator.state();
  for (const env of after.tenant.environments) assertConfigured(assert, env);
  assert.equal(loggedRequests(after, { method: "POST", path: CREATE_USER }).length, 5, "one create per environment");
});

test("a stored run that names another app id or an unknown environment is refused and nothing is written", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  await openDashboard(page, emulator);
  const entries = await storageOf(page);
  const session = JSON.parse(Object.fromEntries(entries)[HEAD]);
  const run = (changes) => ({
    operator: session.operator.upn, cloud: session.cloud, mode: "setup", batch: false,
    environments: [prod.id], finished: [], data_center: US_APP_ID,
    plan_confirmed: true, saved_at_ms: Date.now(), ...changes,
  });
  const tampered = (key, run) => [...entries.filter(([k]) => k !== key), [key, JSON.stringify(run)]];
  await page.close();
  const opened = lastSeq(await emulator.state());

  // Another vendor's app id.
  const foreign = await duplicate(browser.context, emulator,
    tampered(VIEW, run({ data_center: "0c1f3f6e-9a77-4c57-9a7c-3b2d4a6f5e10" })));
  const refused = foreign.getByTestId("resume-refused");
  await refused.waitFor();
  assert.match(await refused.innerText(), /0c1f3f6e-9a77-4c57-9a7c-3b2d4a6f5e10.*not one of Work 365's/s);
  assert.match(await refused.innerText(), /Nothing was written/);
  assert.equal(await foreign.getByTestId("resume").count(), 0, "nothing is offered");
  assert.equal(await foreign.getByTestId("environment").count(), 0, "no environment opened by itself");
  await screenshot(foreign, "resume-refused");

  // An environment the discovery service does not list.
  const unknown = await duplicate(browser.context, emulator,
    tampered(BATCH, run({ batch: true, data_center: null, environments: ["a1b2c3d4-0000-4000-8000-0000000000ff"] })));
  await unknown.getByTestId("resume-refused").waitFor();
  assert.match(await unknown.getByTestId("resume-refused").innerText(), /does not list/);

  await foreign.waitForTimeout(2000);
  assert.deepEqual(tenantWrites(await emulator.state(), { since: opened }), [], "nothing was written");
});

test("a stored run older than an hour is offered for re-inspection only: the plan is asked again", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: "demo" });
  const prod = environment(await emulator.state(), "contosoprod");
  await openDashboard(page, emulator);
  const entries = await storageOf(page);
  const session = JSON.parse(Object.fromEntries(entries)[HEAD]);
  const old = {
    operator: session.operator.upn, cloud: session.cloud, mode: "setup", batch: false,
    environments: [prod.id], finished: [], data_center: US_APP_ID,
    plan_confirmed: true, saved_at_ms: Date.now() - 2 * 3600_000,
  };
  await page.close();
  const opened = lastSeq(await emulator.state());
  const tab = await duplicate(browser.context, emulator,
    [...entries.filter(([k]) => k !== VIEW), [VIEW, JSON.stringify(old)]]);
  const offer = tab.getByTestId("resume");
  await offer.waitFor();
  assert.equal(await offer.getAttribute("data-reinspect-only"), "true");
  assert.equal(await tab.getByTestId("resume-continue").count(), 0, "no Continue for a stale run");
  assert.match(await offer.innerText(), /more than an hour ago/);
  await tab.getByTestId("resume-inspect").click();
  await tab.locator(`[data-testid="environment"][data-env-id="${prod.id}"]`).waitFor();
  assert.equal(await tab.getByTestId("resume-note").getAttribute("data-plan-confirmed"), "false");
  // The plan waits for a new confirmation.
  await tab.getByTestId("plan").waitFor();
  assert.ok(await tab.getByTestId("apply").isVisible(), "the plan is asked again");
  await tab.waitForTimeout(1500);
  assert.deepEqual(tenantWrites(await emulator.state(), { since: opened }), [], "nothing written without the new confirmation");
  // Dismissed runs are not offered again after a reload.
  await tab.getByTestId("back").click();
  await tab.reload();
  await waitForDashboard(tab);
  await tab.waitForTimeout(500);
  assert.equal(await tab.getByTestId("resume").count(), 0, "the answered offer is not shown again");
});
