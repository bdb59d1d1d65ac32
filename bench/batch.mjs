// Budget: with 100 ms of latency on every request to Microsoft (emulator
// --latency-ms 100), 50 environments are inspected — the dashboard complete, every
// row with its status — in under 5 s, and a batch setup of all 50 is applied in
// under 5 s. The scenario is batch-200's template repeated 50 times.
//
//   node bench/batch.mjs [--latency-ms 100] [--count 50] [--budget-ms 5000]
//
// The emulator runs as an optimised build (built here if needed): the latency is the
// emulated server's time, and a debug build's own work (TLS, RS256, JSON) under a few
// hundred concurrent requests would otherwise be what the bench measures. The emulator's
// CPU time is printed next to each figure to show it is not the bottleneck.
import { execFileSync } from "node:child_process";
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
    // Writes a Chrome DevTools CPU profile of the inspection and of the batch
    // (<prefix>-inspect.cpuprofile, <prefix>-batch.cpuprofile) and prints where the
    // main thread's time went: open them in DevTools' Performance panel.
    profile: { type: "string" },
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

execFileSync("cargo", ["build", "--quiet", "--release", "-p", "w365-emulator"], { cwd: ROOT, stdio: "inherit" });
const emulator = await startEmulator({ scenario: scenarioPath, config: PRODUCTION_CONFIG, latencyMs: Number(opts["latency-ms"]), release: true });
// CPU seconds the emulator has used so far (user + system), from /proc.
const emulatorCpu = () => {
  const fields = readFileSync(`/proc/${emulator.pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
let inspectCpu;
let applyCpu;
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
  const profiler = opts.profile ? await startProfiler(page) : null;
  await page.getByTestId("signed-in-as").waitFor();
  const signedIn = performance.now();
  const cpuBefore = emulatorCpu();
  const statuses = await waitForDashboard(page, { timeout: 120_000 });
  inspectMs = performance.now() - signedIn;
  inspectCpu = emulatorCpu() - cpuBefore;
  if (profiler) await profiler.save(`${opts.profile}-inspect.cpuprofile`, inspectMs);
  if (Object.keys(statuses).length !== COUNT) throw new Error(`expected ${COUNT} rows, saw ${Object.keys(statuses).length}`);

  await page.getByTestId("select-all").check();
  if (profiler) await profiler.restart();
  const started = performance.now();
  const applyCpuBefore = emulatorCpu();
  await page.getByTestId("batch-run").click();
  await page.locator('[data-testid="batch-summary"][data-done="true"]').waitFor({ timeout: 120_000 });
  applyMs = performance.now() - started;
  applyCpu = emulatorCpu() - applyCpuBefore;
  if (profiler) await profiler.save(`${opts.profile}-batch.cpuprofile`, applyMs);
  const state = await emulator.state();
  configured = state.tenant.environments.filter((env) => env.system_users.some((u) => u.applicationid && !u.isdisabled && u.roles.length >= 2)).length;
} finally {
  await browser.close();
  await emulator.stop();
  rmSync(dir, { recursive: true, force: true });
}

console.log(`latency ${opts["latency-ms"]} ms per request, ${COUNT} environments`);
console.log(`  dashboard complete (all ${COUNT} inspected) after sign-in: ${(inspectMs / 1000).toFixed(2)} s (budget ${BUDGET / 1000} s; emulator CPU ${inspectCpu.toFixed(2)} s)`);
console.log(`  batch applied (${configured}/${COUNT} configured in the emulator):  ${(applyMs / 1000).toFixed(2)} s (budget ${BUDGET / 1000} s; emulator CPU ${applyCpu.toFixed(2)} s)`);
let failed = false;
if (inspectMs > BUDGET) { console.error("inspection over budget"); failed = true; }
if (applyMs > BUDGET) { console.error("batch over budget"); failed = true; }
if (configured !== COUNT) { console.error(`only ${configured} of ${COUNT} environments configured`); failed = true; }
process.exit(failed ? 1 : 0);

// A CDP CPU profiler on the page's main thread.
async function startProfiler(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
  await cdp.send("Profiler.start");
  return {
    async restart() { await cdp.send("Profiler.start"); },
    async save(path, wallMs) {
      const { profile } = await cdp.send("Profiler.stop");
      writeFileSync(path, JSON.stringify(profile));
      summarise(profile, path, wallMs);
    },
  };
}

// Self time per script (and idle/GC/program), the first thing to look at.
function summarise(profile, path, wallMs) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const dt = new Map();
  profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) || 0) + (profile.timeDeltas[i] || 0)));
  const perScript = new Map();
  const perFunction = new Map();
  for (const [id, us] of dt) {
    const f = byId.get(id).callFrame;
    const script = f.url ? f.url.replace(/^.*\//, "").replace(/-[0-9a-f]{16}/, "") : `(${f.functionName || "anonymous"})`;
    perScript.set(script, (perScript.get(script) || 0) + us);
    const fn = `${f.functionName || "(anonymous)"} ${script}`;
    perFunction.set(fn, (perFunction.get(fn) || 0) + us);
  }
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, us]) => `    ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`).join("\n");
  console.log(`profile ${path} (wall ${(wallMs / 1000).toFixed(2)} s), main-thread self time by script:\n${top(perScript, 8)}`);
  console.log(`  by function:\n${top(perFunction, 15)}`);
}
