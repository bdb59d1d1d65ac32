// A 429 storm: every environment of the tenant is throttled once (its first GET to
// Dataverse answers 429 with `Retry-After: 2`, as service protection does), in the
// dashboard's inspection and again in the batch. Each phase is timed as in bench/batch.mjs
// and set against the floor the waits impose: the phase's network floor (bench/harness/log.mjs,
// `analyse`, which counts the retried round as the extra round it is) plus the Retry-After
// wait on the longest environment's chain. Each run starts a fresh emulator and browser.
//
//   node bench/storm.mjs [--count 200] [--latency-ms 100] [--retry-after-s 2] [--runs 1]
//                        [--phases inspect,batch] [--max-ratio 1.2] [--dist DIR]
//
// Issue 11's target: --max-ratio 1.2 (median of the runs, each phase).
import { parseArgs } from "node:util";
import { describeDetail, describePhase, environmentTimeline, load, median, runTenant, secs } from "./harness.mjs";

const { values: opts } = parseArgs({
  options: {
    count: { type: "string", default: "200" },
    "latency-ms": { type: "string", default: "100" },
    "retry-after-s": { type: "string", default: "2" },
    runs: { type: "string", default: "1" },
    phases: { type: "string", default: "inspect,batch" },
    "max-ratio": { type: "string" },
    dist: { type: "string" },
  },
});
const COUNT = Number(opts.count);
const LATENCY = Number(opts["latency-ms"]);
const RUNS = Number(opts.runs);
const storm = { phases: opts.phases.split(","), retryAfterS: Number(opts["retry-after-s"]) };

const results = [];
for (let run = 1; run <= RUNS; run += 1) {
  console.log(`run ${run}/${RUNS}: ${COUNT} environments, ${LATENCY} ms latency, each throttled once (Retry-After ${storm.retryAfterS} s) in ${storm.phases.join(" and ")} (load ${load()})`);
  const r = await runTenant({ count: COUNT, latencyMs: LATENCY, dist: opts.dist, storm });
  for (const name of storm.phases) {
    console.log(describePhase(`  ${name}`, r[name]));
    console.log(describeDetail(r[name]));
    console.log(`  per environment (median / p90 / max):\n${environmentTimeline(r[name])}`);
  }
  if (r.configured !== COUNT) throw new Error(`only ${r.configured} of ${COUNT} environments configured`);
  results.push(r);
}
const failures = [];
console.log(`\n${COUNT} environments under a 429 storm, median of ${RUNS}:`);
for (const name of storm.phases) {
  const ms = median(results.map((r) => r[name].ms));
  const floor = median(results.map((r) => r[name].floor.ms));
  const throttled = median(results.map((r) => r[name].counts.throttled));
  console.log(`  ${name}: ${secs(ms)}; floor ${secs(floor)} (incl. ${storm.retryAfterS} s wait); ratio ${(ms / floor).toFixed(2)}; ${throttled} answers were 429`);
  if (throttled < COUNT) failures.push(`${name}: only ${throttled} of ${COUNT} environments were throttled`);
  if (opts["max-ratio"] && ms / floor > Number(opts["max-ratio"])) failures.push(`${name} ratio ${(ms / floor).toFixed(2)} > ${opts["max-ratio"]}`);
}
for (const f of failures) console.error(`over budget: ${f}`);
process.exit(failures.length ? 1 : 0);
