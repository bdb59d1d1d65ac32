// Budget: with 100 ms of latency on every request to Microsoft (emulator
// --latency-ms 100), 50 environments are inspected — the dashboard complete, every
// row with its status — in under 5 s, and a batch setup of all 50 is applied in
// under 5 s. The scenario is batch-200's template repeated 50 times.
//
//   node bench/batch.mjs [--latency-ms 100] [--count 50] [--budget-ms 5000]
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  PRODUCTION_CONFIG, launchBrowser, signInWithPopup, startEmulator, waitForDashboard,
} from "../e2e/support.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const { values: opts } = parseArgs({
  options: {
    "latency-ms": { type: "string", default: "100" },
    count: { type: "string", default: "50" },
    "budget-ms": { type: "string", default: "5000" },
  },
});
const COUNT = Number(opts.count);
const BUDGET = Number(opts["budget-ms"]);

const dir = mkdtempSync(join(tmpdir(), "w365-bench-"));
const scenario = JSON.parse(readFileSync(join(ROOT, "crates/emulator/scenarios/batch-200.json"), "utf8"));
scenario.description = `batch-200's template, ${COUNT} times (bench/batch.mjs)`;
scenario.environment_repeats[0].count = COUNT;
const scenarioPath = join(dir, `batch-${COUNT}.json`);
writeFileSync(scenarioPath, JSON.stringify(scenario));

const emulator = await startEmulator({ scenario: scenarioPath, config: PRODUCTION_CONFIG, latencyMs: Number(opts["latency-ms"]) });
const browser = await launchBrowser(emulator);
let inspectMs;
let applyMs;
let configured;
try {
  const page = await browser.context.newPage();
  page.setDefaultTimeout(120_000);
  await page.goto(`${emulator.base}/`);
  await page.getByTestId("sign-in").waitFor();
  await signInWithPopup(page);
  // The clock starts once signed in: the list request is the dashboard's first step.
  await page.getByTestId("signed-in-as").waitFor();
  const signedIn = performance.now();
  const statuses = await waitForDashboard(page, { timeout: 120_000 });
  inspectMs = performance.now() - signedIn;
  if (Object.keys(statuses).length !== COUNT) throw new Error(`expected ${COUNT} rows, saw ${Object.keys(statuses).length}`);

  await page.getByTestId("select-all").check();
  const started = performance.now();
  await page.getByTestId("batch-run").click();
  await page.locator('[data-testid="batch-summary"][data-done="true"]').waitFor({ timeout: 120_000 });
  applyMs = performance.now() - started;
  const state = await emulator.state();
  configured = state.tenant.environments.filter((env) => env.system_users.some((u) => u.applicationid && !u.isdisabled && u.roles.length >= 2)).length;
} finally {
  await browser.close();
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`latency ${opts["latency-ms"]} ms per request, ${COUNT} environments`);
console.log(`  dashboard complete (all ${COUNT} inspected) after sign-in: ${(inspectMs / 1000).toFixed(2)} s (budget ${BUDGET / 1000} s)`);
console.log(`  batch applied (${configured}/${COUNT} configured in the emulator):  ${(applyMs / 1000).toFixed(2)} s (budget ${BUDGET / 1000} s)`);
let failed = false;
if (inspectMs > BUDGET) { console.error("inspection over budget"); failed = true; }
if (applyMs > BUDGET) { console.error("batch over budget"); failed = true; }
if (configured !== COUNT) { console.error(`only ${configured} of ${COUNT} environments configured`); failed = true; }
process.exit(failed ? 1 : 0);
