// A failed save is never silent. sessionStorage holds a few MiB shared with MSAL's cache; when
// it refuses the session record's writes, the admin is told that progress cannot be kept for
// a reload and what to do, and the batch itself goes on and ends configured. An old
// single-key record (from a page of the earlier version) is migrated and still offered.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CREATE_USER, assertAccessible, assertConfigured, download, loggedRequests, openDashboard, openSession,
  scenarioVariant, screenshot, tenantWrites, lastSeq,
} from "./support.mjs";

/** batch-200's template, five times. */
const FIVE = scenarioVariant("batch-200", (s) => { s.environment_repeats[0].count = 5; });

test("sessionStorage refusing the run record shows why and what to do, and the batch still ends configured", async (t) => {
  const { emulator, page } = await openSession(t, { scenario: FIVE });
  // The storage takes the first two finished runs, then is full (as when MSAL's cache and
  // a long session have used its quota): every later write of the record is refused.
  await page.addInitScript(() => {
    const setItem = Storage.prototype.setItem;
    let runs = 0;
    Storage.prototype.setItem = function (key, value) {
      if (this === window.sessionStorage && String(key).startsWith("w365-appuser.session.run.") && ++runs > 2) {
        throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
      }
      return setItem.call(this, key, value);
    };
  });
  await openDashboard(page, emulator);
  assert.equal(await page.getByTestId("save-failed").count(), 0, "nothing to say before a write is refused");

  await page.getByTestId("select-all").check();
  await page.getByTestId("batch-run").click();
  await page.locator('[data-testid="batch-summary"][data-done="true"]').waitFor({ timeout: 60_000 });

  const message = page.getByTestId("save-failed");
  await message.waitFor();
  const text = await message.innerText();
  assert.match(text, /can no longer keep the runs' progress for a reload/);
  assert.match(text, /QuotaExceededError/, "the browser's reason");
  assert.match(text, /finish them in this tab without reloading/);
  assert.match(text, /download the report/);
  assert.equal(await message.getAttribute("role"), "alert");
  await assertAccessible(assert, page, "the refused-save message");
  await screenshot(page, "session-save-refused");

  // Nothing else broke: every environment configured once, and the report has every run.
  const state = await emulator.state();
  for (const env of state.tenant.environments) assertConfigured(assert, env);
  assert.equal(loggedRequests(state, { method: "POST", path: CREATE_USER }).length, 5, "one create per environment");
  const report = JSON.parse((await download(page, "report-json")).text);
  assert.equal(report.environments.length, 5, "the report holds every run, kept in memory");
  const kept = await page.evaluate(() =>
    Object.keys(sessionStorage).filter((k) => k.startsWith("w365-appuser.session.run.")).length);
  assert.equal(kept, 2, "what the storage took is still there");
});

test("an old single-key session record is migrated: its unfinished batch is offered as before", async (t) => {
  const { emulator, browser, page } = await openSession(t, { scenario: FIVE });
  const { tenant } = await emulator.state();
  await openDashboard(page, emulator);
  const entries = await page.evaluate(() => Object.entries(sessionStorage));
  const head = JSON.parse(Object.fromEntries(entries)["w365-appuser.session.head"]);
  await page.close();
  const legacy = {
    operator: head.operator, cloud: head.cloud, started_at_ms: head.started_at_ms,
    runs: [],
    batch_run: {
      operator: head.operator.upn, cloud: head.cloud, mode: "setup", batch: true,
      environments: tenant.environments.map((e) => e.id), finished: [tenant.environments[0].id],
      saved_at_ms: Date.now(),
    },
  };
  const copied = [
    ...entries.filter(([k]) => !k.startsWith("w365-appuser.session.")),
    ["w365-appuser.session", JSON.stringify(legacy)],
  ];
  const opened = lastSeq(await emulator.state());
  const tab = await browser.context.newPage();
  tab.setDefaultTimeout(20_000);
  await tab.addInitScript((copied) => {
    if (sessionStorage.getItem("w365-duplicated")) return;
    sessionStorage.setItem("w365-duplicated", "1");
    for (const [k, v] of copied) sessionStorage.setItem(k, v);
  }, copied);
  await openDashboard(tab, emulator);
  const offer = tab.getByTestId("resume");
  await offer.waitFor();
  assert.equal(await offer.getAttribute("data-slot"), "batch");
  assert.equal(await offer.getAttribute("data-pending"), "4", "the finished one is not pending");
  const keys = await tab.evaluate(() => Object.keys(sessionStorage));
  assert.ok(!keys.includes("w365-appuser.session"), "the old record is gone");
  assert.ok(keys.includes("w365-appuser.session.batch"), "kept in today's layout");
  await tab.waitForTimeout(1000);
  assert.deepEqual(tenantWrites(await emulator.state(), { since: opened }), [], "nothing written before the admin answers");
});
