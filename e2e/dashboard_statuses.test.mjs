// Every shipped scenario, as the dashboard sees it: one row per environment the
// discovery service lists, each with the status the scenario implies. One
// emulator and one browser serve all scenarios (POST /_emulator/reset between).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  PRODUCTION_CONFIG, assertOnlyCloudHosts, envRow, environment, launchBrowser, openDashboard,
  startEmulator, tenantWrites,
} from "./support.mjs";

/** unique_name -> expected status, per scenario (see crates/emulator/SCENARIOS.md). */
const EXPECTED = {
  demo: {
    contosoprod: "needs-setup", contososandbox: "configured", contosodev: "not-installed",
    contosodefault: "not-installed", contosotraining: "blocked",
  },
  "not-sysadmin": { contosoprod: "no-access" },
  "not-consented": { contosoprod: "not-consented" },
  "roles-in-child-bu": { contosoprod: "blocked" },
  "duplicate-role-names": { contosoprod: "blocked" },
  "soft-deleted-app-user": { contosoprod: "blocked" },
  "disabled-app-user": { contosoprod: "needs-setup" },
  "partial-setup": { contosoprod: "needs-setup" },
  "both-consented": { contosoprod: "needs-setup" },
  eu: { contosoeu: "needs-setup" },
  "solution-named-otherwise": { contosoprod: "needs-setup" },
  "roles-without-solution": { contosoprod: "needs-setup" },
  "old-version": { contosoprod: "not-installed" },
};
// batch-200 (200 × needs-setup) is asserted by batch_of_fifty_environments.test.mjs.

let emulator;
let browser;
before(async () => {
  emulator = await startEmulator({ scenario: "demo", config: PRODUCTION_CONFIG });
  browser = await launchBrowser(emulator);
});
after(async () => {
  await browser?.close();
  await emulator?.stop();
});

for (const [scenario, expected] of Object.entries(EXPECTED)) {
  test(`${scenario}: the dashboard shows ${Object.entries(expected).map(([n, s]) => `${n} ${s}`).join(", ")}`, async () => {
    await emulator.reset(scenario);
    const page = await browser.context.newPage();
    try {
      const statuses = await openDashboard(page, emulator);
      const state = await emulator.state();
      const want = Object.fromEntries(Object.entries(expected).map(([name, status]) => [environment(state, name).id, status]));
      assert.deepEqual(statuses, want);
      // Every row explains its status in words, not by colour alone.
      for (const id of Object.keys(want)) {
        const text = await envRow(page, id).getByTestId("env-status").innerText();
        assert.ok(text.trim().length > 3, `row ${id} has a status text (${JSON.stringify(text)})`);
      }
      if (scenario === "not-consented") {
        // The row says why; the admin-consent link itself is in the environment view
        // (caller_and_consent_refusals.test.mjs).
        const text = await envRow(page, environment(state, "contosoprod").id).getByTestId("env-status").innerText();
        assert.match(text, /consent/i);
      }
      if (scenario === "demo") {
        // The licensed service account still holding the service role is named on its row.
        const prod = await envRow(page, environment(state, "contosoprod").id).innerText();
        assert.match(prod, /Work 365 Service Account|svc-work365/);
      }
      // Inspecting is reading: nothing was written in any scenario.
      assert.deepEqual(tenantWrites(state), []);
      assertOnlyCloudHosts(assert, browser, emulator);
    } finally {
      await page.close();
    }
  });
}
