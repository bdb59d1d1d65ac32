// One run over a tenant of N environments: inspect every environment, then a batch sets
// all of them up; both phases' figures from the request logs.
import { analyse, mostEnvironmentsAtOnce, tokens, waits } from "./log.mjs";
import { startProfiler } from "./profile.mjs";
import { cpuDelta, mainThread, openBench, processCpu, signIn } from "./session.mjs";
import { load, median, quantile } from "./stats.mjs";

// --- the two phases at tenant scale ---------------------------------------------------

/** A 429 on the next GET to every environment, as Dataverse's service protection answers. */
export async function throttleEveryEnvironment(emulator, retryAfterS) {
  const { tenant } = await emulator.state();
  await emulator.fault(tenant.environments.map((env) => ({
    method: "GET", host: env.host, path: "/api/data/*", count: 1,
    action: {
      status: 429, headers: { "Retry-After": String(retryAfterS) },
      body: JSON.stringify({ error: { code: "0x80072322", message: "Number of requests exceeded the limit of 6000 over time window of 300 seconds." } }),
    },
  })));
}

/**
 * Chrome DevTools' network timeline (CDP Network domain): every request with its protocol,
 * connection and timing. `summary()` tells which protocols and how many connections carried
 * the Microsoft requests, and how long requests stalled in the browser before being sent.
 */
export async function startTimeline(cdp) {
  const byId = new Map();
  cdp.on("Network.requestWillBeSent", (e) => {
    byId.set(e.requestId, { url: e.request.url, method: e.request.method, type: e.type, wallTime: e.wallTime * 1000, issued: e.timestamp * 1000, initiator: e.initiator?.type });
  });
  cdp.on("Network.responseReceived", (e) => {
    const r = byId.get(e.requestId);
    if (!r) return;
    const t = e.response.timing;
    Object.assign(r, {
      status: e.response.status, protocol: e.response.protocol, connection: e.response.connectionId,
      reused: e.response.connectionReused,
      // Stalled: from the page's request to the moment the browser started sending it.
      stalledMs: t ? t.requestTime * 1000 + t.sendStart - r.issued : null,
      waitMs: t ? t.receiveHeadersEnd - t.sendEnd : null,
      // A request that opened its connection: how long TCP and TLS took (-1 when reused).
      connectMs: t && t.connectStart >= 0 ? t.connectEnd - t.connectStart : null,
      tlsMs: t && t.sslStart >= 0 ? t.sslEnd - t.sslStart : null,
    });
  });
  await cdp.send("Network.enable", { maxTotalBufferSize: 0, maxResourceBufferSize: 0 });
  return {
    entries: () => [...byId.values()],
    summary(from, to) {
      const list = [...byId.values()].filter((r) => r.wallTime >= from && r.wallTime <= to && /^https:\/\/(?!127\.)/.test(r.url));
      const protocols = {};
      for (const r of list) protocols[r.protocol ?? "?"] = (protocols[r.protocol ?? "?"] ?? 0) + 1;
      const stalled = list.map((r) => r.stalledMs).filter((x) => x !== null && x !== undefined);
      const connects = list.map((r) => r.connectMs).filter((x) => x !== null && x !== undefined);
      const tls = list.map((r) => r.tlsMs).filter((x) => x !== null && x !== undefined);
      return {
        requests: list.length,
        preflightsSeen: list.filter((r) => r.type === "Preflight" || r.method === "OPTIONS").length,
        protocols,
        connections: new Set(list.map((r) => r.connection).filter((c) => c !== undefined)).size,
        stalledMedianMs: median(stalled),
        stalledP90Ms: quantile(stalled, 0.9),
        stalledMaxMs: stalled.length ? Math.max(...stalled) : NaN,
        newConnections: connects.length,
        connectMedianMs: median(connects),
        connectP90Ms: quantile(connects, 0.9),
        tlsMedianMs: median(tls),
      };
    },
  };
}

/**
 * One run over a tenant of `count` environments: sign in, the dashboard inspects every
 * environment (timed from the session bar to the last row's status), then a batch sets
 * all of them up (from pressing `batch-run` to `batch-summary[data-done=true]`). Returns
 * both phases' figures; `storm` throttles every environment once in the phases it names.
 */
export async function runTenant({ count, latencyMs, dist, profile, timeline, storm }) {
  const bench = await openBench({ count, latencyMs, dist });
  const { page, emulator, cdp } = bench;
  try {
    const net = timeline ? await startTimeline(cdp) : null;
    if (storm?.phases.includes("inspect")) await throttleEveryEnvironment(emulator, storm.retryAfterS);
    const signedIn = await signIn(bench);
    const p0 = processCpu(emulator.pid);
    const m0 = await bench.metrics();
    const cpu0 = bench.emulatorCpu();
    const profiler = profile ? await startProfiler(cdp) : null;
    const dashboard = await bench.mark("dashboard");
    const p1 = processCpu(emulator.pid);
    const m1 = await bench.metrics();
    const cpu1 = bench.emulatorCpu();
    const storage1 = await bench.storage();
    const rows = await page.getByTestId("env-row").count();
    if (rows !== count) throw new Error(`expected ${count} rows, saw ${rows}`);
    const inspect = { ms: dashboard - signedIn, from: signedIn, to: dashboard, main: mainThread(m0, m1), emulatorCpu: cpu1 - cpu0, cpu: cpuDelta(p0, p1) };
    if (profiler) inspect.profile = await profiler.save(`${profile}-inspect-${count}.cpuprofile`, inspect.ms);

    await page.getByTestId("select-all").check();
    if (storm?.phases.includes("batch")) await throttleEveryEnvironment(emulator, storm.retryAfterS);
    if (profiler) await profiler.restart();
    const m2 = await bench.metrics();
    const cpu2 = bench.emulatorCpu();
    const p2 = processCpu(emulator.pid);
    await page.getByTestId("batch-run").click();
    const done = await bench.mark("batchDone");
    const p3 = processCpu(emulator.pid);
    const m3 = await bench.metrics();
    const cpu3 = bench.emulatorCpu();
    const marks = await bench.marks();
    const pressed = marks["click:batch-run"];
    const batch = { ms: done - pressed, from: pressed, to: done, main: mainThread(m2, m3), emulatorCpu: cpu3 - cpu2, cpu: cpuDelta(p2, p3) };
    if (profiler) batch.profile = await profiler.save(`${profile}-batch-${count}.cpuprofile`, batch.ms);

    const state = await emulator.state();
    const fetches = await bench.fetches();
    const storage = await bench.storage();
    const configured = state.tenant.environments.filter((env) => env.system_users.some((u) => u.applicationid && !u.isdisabled && u.roles.length >= 2)).length;
    const retryAfterMs = storm ? storm.retryAfterS * 1000 : 0;
    for (const phase of [inspect, batch]) {
      Object.assign(phase, analyse({ log: state.requests, fetches, from: phase.from, to: phase.to, latencyMs, retryAfterMs }));
      phase.latencyMs = latencyMs;
      phase.heapBytes = bench.heap.peak(phase.from, phase.to);
      phase.waits = waits(phase.requests, latencyMs);
      phase.tokens = tokens(phase.requests);
      phase.mostAtOnce = mostEnvironmentsAtOnce(phase.environments);
      phase.load = load();
      if (net) phase.network = net.summary(phase.from, phase.to);
    }
    inspect.storage = storage1;
    batch.storage = storageDelta(storage1, storage);
    return { count, latencyMs, configured, inspect, batch, timeline: net?.entries() };
  } finally {
    await bench.close();
  }
}

export function storageDelta(before, after) {
  const out = {};
  for (const [k, a] of Object.entries(after)) {
    const b = before[k] ?? { calls: 0, chars: 0, ms: 0, largest: 0 };
    out[k] = { calls: a.calls - b.calls, chars: a.chars - b.chars, ms: a.ms - b.ms, largest: a.largest };
  }
  return out;
}
