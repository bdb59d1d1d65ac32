// CDP CPU profiles of the page's main thread, summarised per script and per function.
import { writeFileSync } from "node:fs";
import { secs } from "./stats.mjs";

// --- CPU profiles --------------------------------------------------------------------

/** A CDP CPU profiler on the page's main thread (sampling every 500 µs). */
export async function startProfiler(cdp) {
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 500 });
  await cdp.send("Profiler.start");
  return {
    async restart() { await cdp.send("Profiler.start"); },
    async save(path, wallMs) {
      const { profile } = await cdp.send("Profiler.stop");
      writeFileSync(path, JSON.stringify(profile));
      return summariseProfile(profile, path, wallMs);
    },
  };
}

/** Self time per script and per function (idle, GC and program included): the first thing to look at. */
export function summariseProfile(profile, path, wallMs) {
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
  console.log(`profile ${path} (wall ${secs(wallMs)}), main-thread self time by script:\n${top(perScript, 10)}`);
  console.log(`  by function:\n${top(perFunction, 25)}`);
  return { perScript: Object.fromEntries([...perScript].map(([k, us]) => [k, us / 1000])) };
}
