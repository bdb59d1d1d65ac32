// A tenant of N environments at emulated latency: the dashboard inspects every
// environment (from the session bar to the last row's status), then a batch sets all of
// them up (from pressing `batch-run` to `batch-summary[data-done=true]`); the emulator's
// state is checked afterwards (N of N configured). Each run starts a fresh emulator and
// browser. Prints each run's wall time against its network floor (bench/harness/log.mjs,
// `analyse`), the requests (preflights and token requests apart), the page's peak JS heap,
// main-thread time, where requests waited, token requests and storage work; then the
// medians. Exits non-zero when a budget given on the command line is missed.
//
//   node bench/batch.mjs [--count 50] [--latency-ms 100] [--runs 1]
//                        [--budget-inspect-ms MS] [--budget-batch-ms MS] [--budget-ms MS (both)]
//                        [--max-ratio R] [--profile PREFIX] [--timeline FILE] [--dist DIR] [--json FILE]
//
// Issue 11's targets: --count 200 --runs 3 --budget-inspect-ms 5000 --budget-batch-ms 6000.
// --profile writes DevTools CPU profiles (<PREFIX>-inspect-N.cpuprofile, <PREFIX>-batch-N.cpuprofile)
// and prints where the main thread's time went; serve a build with wasm names
// (node bench/names.mjs, then --dist target/dist-names) to see Rust function names.
// --timeline records DevTools' network timeline (protocols, connections, stalls) into FILE.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { describeDetail, describePhase, environmentTimeline, load, median, runTenant, secs, slim } from "./harness.mjs";

const { values: opts } = parseArgs({
  options: {
    count: { type: "string", default: "50" },
    "latency-ms": { type: "string", default: "100" },
    runs: { type: "string", default: "1" },
    "budget-inspect-ms": { type: "string" },
    "budget-batch-ms": { type: "string" },
    "budget-ms": { type: "string" },
    "max-ratio": { type: "string" },
    profile: { type: "string" },
    timeline: { type: "string" },
    dist: { type: "string" },
    json: { type: "string" },
  },
});
const COUNT = Number(opts.count);
const LATENCY = Number(opts["latency-ms"]);
const RUNS = Number(opts.runs);

const results = [];
for (let run = 1; run <= RUNS; run += 1) {
  console.log(`run ${run}/${RUNS}: ${COUNT} environments, ${LATENCY} ms latency (load ${load()})`);
  const r = await runTenant({ count: COUNT, latencyMs: LATENCY, dist: opts.dist, profile: opts.profile, timeline: Boolean(opts.timeline) });
  console.log(describePhase("  inspect", r.inspect));
  console.log(describeDetail(r.inspect));
  console.log(`  per environment (median / p90 / max):\n${environmentTimeline(r.inspect)}`);
  console.log(describePhase(`  batch (${r.configured}/${COUNT} configured)`, r.batch));
  console.log(describeDetail(r.batch));
  console.log(`  per environment (median / p90 / max):\n${environmentTimeline(r.batch)}`);
  if (opts.timeline) writeFileSync(opts.timeline, JSON.stringify(r.timeline));
  results.push(r);
}

const inspectMs = median(results.map((r) => r.inspect.ms));
const batchMs = median(results.map((r) => r.batch.ms));
const inspectFloor = median(results.map((r) => r.inspect.floor.ms));
const batchFloor = median(results.map((r) => r.batch.floor.ms));
console.log(`\n${COUNT} environments, ${LATENCY} ms latency, median of ${RUNS}:`);
console.log(`  inspected: ${secs(inspectMs)} (floor ${secs(inspectFloor)}, ratio ${(inspectMs / inspectFloor).toFixed(2)}; runs ${results.map((r) => secs(r.inspect.ms)).join(", ")})`);
console.log(`  batch:     ${secs(batchMs)} (floor ${secs(batchFloor)}, ratio ${(batchMs / batchFloor).toFixed(2)}; runs ${results.map((r) => secs(r.batch.ms)).join(", ")})`);
if (opts.json) {
  writeFileSync(opts.json, JSON.stringify(results.map((r) => ({ ...r, timeline: undefined, inspect: slim(r.inspect), batch: slim(r.batch) })), null, 1));
}

const failures = [];
const budgetInspect = opts["budget-inspect-ms"] ?? opts["budget-ms"];
const budgetBatch = opts["budget-batch-ms"] ?? opts["budget-ms"];
if (budgetInspect && inspectMs > Number(budgetInspect)) failures.push(`inspection ${secs(inspectMs)} > ${secs(Number(budgetInspect))}`);
if (budgetBatch && batchMs > Number(budgetBatch)) failures.push(`batch ${secs(batchMs)} > ${secs(Number(budgetBatch))}`);
if (opts["max-ratio"]) {
  const max = Number(opts["max-ratio"]);
  if (inspectMs / inspectFloor > max) failures.push(`inspection ratio ${(inspectMs / inspectFloor).toFixed(2)} > ${max}`);
  if (batchMs / batchFloor > max) failures.push(`batch ratio ${(batchMs / batchFloor).toFixed(2)} > ${max}`);
}
for (const r of results) if (r.configured !== COUNT) failures.push(`only ${r.configured} of ${COUNT} environments configured`);
for (const f of failures) console.error(`over budget: ${f}`);
process.exit(failures.length ? 1 : 0);
