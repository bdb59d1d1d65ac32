// The curve: a tenant of 1, 10, 50, 100 and 200 environments at 100 ms latency, each
// inspected by the dashboard and set up by a batch as in bench/batch.mjs (fresh emulator
// and browser per run), with the network floor of each phase; prints a table of medians
// and draws it to a PNG (bench/plot.mjs) with the floor on the same chart.
//
//   node bench/curve.mjs [--counts 1,10,50,100,200] [--latency-ms 100] [--runs 3]
//                        [--png benchmarks-curve.png] [--json FILE] [--from-json FILE]
//                        [--budget-inspect-ms MS] [--budget-batch-ms MS] [--max-ratio R] [--dist DIR]
//
// "CPU used" is what the bench's own processes (Chromium's and the emulator's) used in the
// phase, from /proc: against the wall time it shows how much of the 2 cores they got.
//
// Budgets apply to the medians at the largest count (issue 11: --budget-inspect-ms 5000
// --budget-batch-ms 6000 at 200). --from-json redraws a PNG from a saved --json run.
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT, load, median, runTenant, secs, slim } from "./harness.mjs";
import { renderPng } from "./plot.mjs";

const { values: opts } = parseArgs({
  options: {
    counts: { type: "string", default: "1,10,50,100,200" },
    "latency-ms": { type: "string", default: "100" },
    runs: { type: "string", default: "3" },
    png: { type: "string", default: join(ROOT, "benchmarks-curve.png") },
    json: { type: "string" },
    "from-json": { type: "string" },
    "budget-inspect-ms": { type: "string" },
    "budget-batch-ms": { type: "string" },
    "max-ratio": { type: "string" },
    dist: { type: "string" },
  },
});

let results;
if (opts["from-json"]) {
  results = JSON.parse(readFileSync(opts["from-json"], "utf8"));
} else {
  const counts = opts.counts.split(",").map(Number);
  const latencyMs = Number(opts["latency-ms"]);
  const runs = Number(opts.runs);
  const loads = [];
  const points = [];
  for (const count of counts) {
    const point = { count, runs: [] };
    for (let run = 1; run <= runs; run += 1) {
      loads.push(load().split(" ")[0]);
      const r = await runTenant({ count, latencyMs, dist: opts.dist });
      if (r.configured !== count) throw new Error(`${count}: only ${r.configured} configured`);
      point.runs.push({ inspect: slim(r.inspect), batch: slim(r.batch) });
      console.log(`${String(count).padStart(4)} environments, run ${run}/${runs}: inspected ${secs(r.inspect.ms)} (floor ${secs(r.inspect.floor.ms)}), batch ${secs(r.batch.ms)} (floor ${secs(r.batch.floor.ms)}); load ${r.inspect.load}`);
    }
    points.push(point);
  }
  results = {
    command: `node bench/curve.mjs --counts ${opts.counts} --latency-ms ${latencyMs} --runs ${runs}`,
    date: new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC",
    machine: `${cpus().length} cores (${cpus()[0]?.model ?? "?"})`,
    load: `${Math.min(...loads.map(Number)).toFixed(1)}–${Math.max(...loads.map(Number)).toFixed(1)}`,
    latencyMs,
    runs,
    points,
  };
  if (opts.json) writeFileSync(opts.json, JSON.stringify(results, null, 1));
}

const med = (point, phase, f) => median(point.runs.map((r) => f(r[phase])));
console.log(`\n${results.command} (${results.date}; load ${results.load}); medians:`);
console.log("| environments | inspected | floor | ratio | batch applied | floor | ratio | requests inspect (preflights, tokens) | requests batch (preflights) | peak JS heap inspect / batch | main thread busy inspect / batch | CPU used inspect / batch |");
console.log("|---|---|---|---|---|---|---|---|---|---|---|---|");
const cpuTotal = (x) => Object.values(x.cpu ?? {}).reduce((a, b) => a + b, 0) * 1000;
for (const p of results.points) {
  const row = [
    p.count,
    secs(med(p, "inspect", (x) => x.ms)), secs(med(p, "inspect", (x) => x.floor.ms)), (med(p, "inspect", (x) => x.ms / x.floor.ms)).toFixed(1),
    secs(med(p, "batch", (x) => x.ms)), secs(med(p, "batch", (x) => x.floor.ms)), (med(p, "batch", (x) => x.ms / x.floor.ms)).toFixed(1),
    `${med(p, "inspect", (x) => x.counts.requests)} (${med(p, "inspect", (x) => x.counts.preflights)}, ${med(p, "inspect", (x) => x.counts.tokens)})`,
    `${med(p, "batch", (x) => x.counts.requests)} (${med(p, "batch", (x) => x.counts.preflights)})`,
    `${(med(p, "inspect", (x) => x.heapBytes) / 1e6).toFixed(1)} / ${(med(p, "batch", (x) => x.heapBytes) / 1e6).toFixed(1)} MB`,
    `${secs(med(p, "inspect", (x) => x.main.taskMs))} / ${secs(med(p, "batch", (x) => x.main.taskMs))}`,
    `${secs(med(p, "inspect", cpuTotal))} / ${secs(med(p, "batch", cpuTotal))}`,
  ];
  console.log(`| ${row.join(" | ")} |`);
}
await renderPng(results, opts.png);
console.log(`wrote ${opts.png}`);

const last = results.points.at(-1);
const failures = [];
const inspectMs = med(last, "inspect", (x) => x.ms);
const batchMs = med(last, "batch", (x) => x.ms);
if (opts["budget-inspect-ms"] && inspectMs > Number(opts["budget-inspect-ms"])) failures.push(`${last.count} inspected in ${secs(inspectMs)} > ${secs(Number(opts["budget-inspect-ms"]))}`);
if (opts["budget-batch-ms"] && batchMs > Number(opts["budget-batch-ms"])) failures.push(`${last.count} set up in ${secs(batchMs)} > ${secs(Number(opts["budget-batch-ms"]))}`);
if (opts["max-ratio"]) {
  for (const phase of ["inspect", "batch"]) {
    const ratio = med(last, phase, (x) => x.ms / x.floor.ms);
    if (ratio > Number(opts["max-ratio"])) failures.push(`${phase} at ${last.count}: ratio ${ratio.toFixed(2)} > ${opts["max-ratio"]}`);
  }
}
for (const f of failures) console.error(`over budget: ${f}`);
process.exit(failures.length ? 1 : 0);
