// Shared by the browser benches (batch, curve, fresh, storm): a tenant of N environments
// in the emulator (optimised build) at a given latency, Chromium mapped onto it with a
// probe in every page, and the analysis that turns the emulator's request log and the
// page's own fetch log into counts, round trips and the network floor.
//
// The probe (an init script, so it runs before the app) only observes: it wraps
// `window.fetch` to note when each request was issued and when its answer's headers
// came back, wraps `Storage.prototype.setItem`/`getItem` to count storage work, and
// notes (MutationObserver) when each screen the benches wait for appeared. Times are
// Unix ms (`performance.timeOrigin + performance.now()`), the clock the emulator's
// log uses (`received_ms`, `answered_ms`), so page and server line up.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, loadavg } from "node:os";
import { join, resolve } from "node:path";
import {
  PRODUCTION_CONFIG, launchBrowser, signInWithPopup, startEmulator,
} from "../e2e/support.mjs";

export const ROOT = resolve(import.meta.dirname, "..");

/** The load average, to print beside every timing: the machine is shared. */
export const load = () => loadavg().map((l) => l.toFixed(2)).join(" ");

export const median = (list) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : NaN;
};
const quantile = (list, q) => {
  const sorted = [...list].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
};
export const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

let emulatorBuilt = false;
/** The emulator as an optimised build: its own TLS, RS256 and JSON work is not what is timed. */
export function buildEmulator() {
  if (emulatorBuilt) return;
  execFileSync("cargo", ["build", "--quiet", "--release", "-p", "w365-emulator"], { cwd: ROOT, stdio: "inherit" });
  emulatorBuilt = true;
}

/** batch-200's template (Work 365 installed, a licensed service account, no app user) `count` times. */
function writeScenario(dir, count) {
  const scenario = JSON.parse(readFileSync(join(ROOT, "crates/emulator/scenarios/batch-200.json"), "utf8"));
  scenario.description = `batch-200's template, ${count} times (bench/)`;
  scenario.environment_repeats[0].count = count;
  const path = join(dir, `batch-${count}.json`);
  writeFileSync(path, JSON.stringify(scenario));
  return path;
}

// Runs in every page before its scripts (see the file's notes). Only observes.
const PROBE = () => {
  const now = () => performance.timeOrigin + performance.now();
  const B = {
    fetches: [],
    storage: {},
    marks: {},
  };
  window.__w365bench = B;
  const fetch = window.fetch;
  window.fetch = function benchFetch(input, init) {
    const url = typeof input === "string" ? input : (input instanceof URL ? input.href : input.url);
    const method = String((init && init.method) || (input instanceof Request ? input.method : "GET")).toUpperCase();
    const rec = { url, method, t0: now(), t1: null, status: null };
    B.fetches.push(rec);
    const answer = fetch.apply(this, arguments);
    answer.then((r) => { rec.t1 = now(); rec.status = r.status; }, () => { rec.t1 = now(); rec.status = 0; });
    return answer;
  };
  // The app's own keys start with "w365-appuser."; everything else in sessionStorage is MSAL's cache.
  const owner = (key) => (String(key).startsWith("w365-appuser.") ? "app" : "msal");
  const count = (op, key, chars, ms) => {
    const k = `${op} ${owner(key)}`;
    const s = (B.storage[k] ??= { calls: 0, chars: 0, ms: 0, largest: 0 });
    s.calls += 1;
    s.chars += chars;
    s.ms += ms;
    s.largest = Math.max(s.largest, chars);
  };
  const { setItem, getItem } = Storage.prototype;
  Storage.prototype.setItem = function benchSetItem(key, value) {
    const t = performance.now();
    try { return setItem.call(this, key, value); } finally { count("set", key, String(value).length, performance.now() - t); }
  };
  Storage.prototype.getItem = function benchGetItem(key) {
    const t = performance.now();
    const value = getItem.call(this, key);
    count("get", key, value ? value.length : 0, performance.now() - t);
    return value;
  };
  const FINAL = ["not-installed", "no-access", "not-consented", "needs-setup", "configured", "blocked", "error"];
  const checks = {
    signedIn: () => document.querySelector('[data-testid="signed-in-as"]'),
    firstRow: () => document.querySelector('[data-testid="env-row"]'),
    dashboard: () => {
      const rows = document.querySelectorAll('[data-testid="env-row"]');
      return rows.length > 0 && [...rows].every((r) => FINAL.includes(r.dataset.status));
    },
    plan: () => document.querySelector('[data-testid="plan"]'),
    evidence: () => document.querySelector('[data-testid="evidence"]'),
    batchDone: () => document.querySelector('[data-testid="batch-summary"][data-done="true"]'),
  };
  const observe = () => {
    for (const [name, check] of Object.entries(checks)) {
      if (!(name in B.marks) && check()) B.marks[name] = now();
    }
  };
  /** Forgets a mark, so that it is taken again (a second batch, say). */
  B.unmark = (name) => { delete B.marks[name]; };
  // The moment a button the benches press was pressed (the first time; `unmark` to retake).
  document.addEventListener("click", (event) => {
    const id = event.target?.closest?.("[data-testid]")?.dataset.testid;
    if (id && !(`click:${id}` in B.marks)) B.marks[`click:${id}`] = now();
  }, true);
  new MutationObserver(observe).observe(document, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["data-status", "data-done"],
  });
};

/**
 * A tenant of `count` environments at `latencyMs`, Chromium on it with the probe, a CDP
 * session on the page. `dist`: another build to serve (bench/names.mjs makes one with wasm
 * names, for profiles). Call `close()` at the end.
 */
export async function openBench({ count, latencyMs, dist }) {
  buildEmulator();
  const dir = mkdtempSync(join(tmpdir(), "w365-bench-"));
  const emulator = await startEmulator({
    scenario: writeScenario(dir, count), config: PRODUCTION_CONFIG, latencyMs, release: true,
    ...(dist ? { dist: resolve(dist) } : {}),
  });
  let browser;
  try {
    browser = await launchBrowser(emulator);
  } catch (error) {
    await emulator.stop();
    throw error;
  }
  await browser.context.addInitScript(PROBE);
  const page = await browser.context.newPage();
  page.setDefaultTimeout(180_000);
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send("Performance.enable");
  const heap = new HeapSampler(cdp);
  return {
    emulator, browser, page, cdp, heap, count, latencyMs,
    /** CPU seconds the emulator has used so far (user + system), from /proc. */
    emulatorCpu() {
      const fields = readFileSync(`/proc/${emulator.pid}/stat`, "utf8").split(") ")[1].split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    async marks() { return page.evaluate(() => ({ ...window.__w365bench.marks })); },
    async mark(name, { timeout = 180_000 } = {}) {
      const handle = await page.waitForFunction((n) => window.__w365bench.marks[n], name, { timeout, polling: 50 });
      return handle.jsonValue();
    },
    async unmark(name) { await page.evaluate((n) => window.__w365bench.unmark(n), name); },
    async fetches() { return page.evaluate(() => window.__w365bench.fetches); },
    async storage() { return page.evaluate(() => structuredClone(window.__w365bench.storage)); },
    async metrics() {
      const { metrics } = await cdp.send("Performance.getMetrics");
      return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
    },
    async close() {
      heap.stop();
      await browser.close().catch(() => {});
      await emulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Opens the app and signs in through the popup; resolves once the session bar shows. */
export async function signIn(bench) {
  const { page, emulator } = bench;
  await page.goto(`${emulator.base}/`);
  await page.getByTestId("sign-in").waitFor();
  await signInWithPopup(page);
  return bench.mark("signedIn");
}

/** Samples the page's JS heap (CDP Performance.getMetrics, JSHeapUsedSize) every `everyMs`. */
class HeapSampler {
  constructor(cdp, everyMs = 200) {
    this.samples = [];
    this.timer = setInterval(async () => {
      try {
        const { metrics } = await cdp.send("Performance.getMetrics");
        const used = metrics.find((m) => m.name === "JSHeapUsedSize")?.value;
        if (used) this.samples.push({ at: Date.now(), used });
      } catch { /* the page is closing */ }
    }, everyMs);
  }

  /** The largest sample between two Unix-ms times, in bytes. */
  peak(from, to) {
    return this.samples.filter((s) => s.at >= from && s.at <= to).reduce((m, s) => Math.max(m, s.used), 0);
  }

  stop() { clearInterval(this.timer); }
}

/**
 * CPU seconds (user + system, from /proc) used so far by each kind of process this bench
 * started: Chromium's browser process, its network service, renderers, GPU and other
 * helpers, and the emulator. Two snapshots' difference says who used the 2 cores.
 */
export function processCpu(emulatorPid) {
  const stat = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const fields = readFileSync(`/proc/${name}/stat`, "utf8").split(") ")[1].split(" ");
      stat.set(Number(name), { ppid: Number(fields[1]), cpu: (Number(fields[11]) + Number(fields[12])) / 100 });
    } catch { /* gone */ }
  }
  const mine = new Set([process.pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, s] of stat) if (!mine.has(pid) && mine.has(s.ppid)) { mine.add(pid); grew = true; }
  }
  const out = {};
  for (const pid of mine) {
    if (pid === process.pid) continue;
    let kind = "emulator";
    if (pid !== emulatorPid) {
      let cmd = "";
      try { cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8"); } catch { continue; }
      if (!/chrom/.test(cmd)) continue;
      const type = cmd.match(/--type=([a-z-]+)/)?.[1];
      const sub = cmd.match(/--utility-sub-type=([A-Za-z.]+)/)?.[1];
      kind = !type ? "chromium browser process" : type === "utility" && /network/i.test(sub ?? "") ? "chromium network service" : `chromium ${type}${sub ? ` (${sub})` : ""}`;
    }
    out[kind] = (out[kind] ?? 0) + (stat.get(pid)?.cpu ?? 0);
  }
  return out;
}

/** CPU seconds per process kind between two `processCpu` snapshots. */
export function cpuDelta(before, after) {
  return Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v > 0.005));
}

/** Main-thread figures between two `bench.metrics()` snapshots (CDP Performance domain), ms. */
export function mainThread(before, after) {
  const d = (name) => (after[name] ?? 0) - (before[name] ?? 0);
  return {
    taskMs: d("TaskDuration") * 1000,
    scriptMs: d("ScriptDuration") * 1000,
    layoutMs: d("LayoutDuration") * 1000,
    styleMs: d("RecalcStyleDuration") * 1000,
    layouts: d("LayoutCount"),
    styles: d("RecalcStyleCount"),
    nodes: after.Nodes,
  };
}

// --- the request log: counts, round trips, the floor ------------------------------

const TOKEN = /\/oauth2\/v2\.0\/token(\?|$)/;
const hostOf = (h) => h.replace(/:\d+$/, "").toLowerCase();
/** What a logged host is: an environment's Dataverse, discovery, Graph or the sign-in service. */
export function hostKind(host) {
  if (/^login\./.test(host)) return "sign-in";
  if (/^globaldisco\./.test(host)) return "discovery";
  if (/graph\./.test(host)) return "graph";
  if (/\.crm\d*\.dynamics\.com$|\.crm\.microsoftdynamics\.us$/.test(host)) return "dataverse";
  return "other";
}

/**
 * What happened on the network between `from` and `to` (Unix ms): counts from the
 * emulator's log, round trips per host from the page's fetch log, and the network floor.
 *
 * The floor is what the latency alone would cost if nothing but the sequential exchanges
 * took time: `latency × hops + waits`, where the hops are counted along the chain of
 * exchanges that depend on each other:
 *   - discovery first (its requests, each with its preflight), since the environments are
 *     known only from its answer;
 *   - then, per environment, its round trips as the app really made them (a round is the
 *     requests issued together; the next round is issued only after an answer of the
 *     previous one came back), each costing one exchange for the request plus one for its
 *     CORS preflight when the browser sent one (an OPTIONS for that URL in the log), plus
 *     the token request before the first round when one went out for that environment
 *     (and its own preflight if it had one); the tenant-wide Graph read goes beside the
 *     first round, so the first round costs whichever of the two is longer;
 *   - waits the service imposed (`Retry-After` of each 429 on the environment's chain,
 *     `retryAfterMs` per 429).
 * Environments are independent servers, so their chains are taken as concurrent: the
 * floor is discovery's chain plus one environment's. The benches' environments are all
 * alike (one template), so that is the median environment's chain: under heavy load a
 * round's requests can leave the page so far apart that one of them looks like a round of
 * its own (its token came back after a sibling's answer), which would lengthen the longest
 * chain without a real round behind it. The spread (fewest and most hops) is reported.
 * Local work (the browser, the emulator's CPU) counts zero.
 */
export function analyse({ log, fetches, from, to, latencyMs, retryAfterMs = 0 }) {
  const entries = log.filter((e) => e.received_ms >= from - 5 && e.received_ms <= to + 5);
  const counts = { requests: entries.length, preflights: 0, tokens: 0, byKind: {}, throttled: 0, failed: 0 };
  for (const e of entries) {
    const kind = hostKind(hostOf(e.host));
    if (e.method === "OPTIONS") counts.preflights += 1;
    else if (TOKEN.test(e.path)) counts.tokens += 1;
    else counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
    if (e.status === 429) counts.throttled += 1;
    else if (e.status === null || e.status >= 500) counts.failed += 1;
  }
  counts.other = counts.requests - counts.preflights - counts.tokens;

  // Each logged request (not a preflight) paired with the page's fetch that sent it.
  const keyOf = (method, host, path) => `${method} ${hostOf(host)}${path}`;
  const queue = new Map();
  for (const f of fetches) {
    if (!/^https:/.test(f.url)) continue;
    const u = new URL(f.url);
    const key = keyOf(f.method, u.host, u.pathname + u.search);
    if (!queue.has(key)) queue.set(key, []);
    queue.get(key).push(f);
  }
  for (const list of queue.values()) list.sort((a, b) => a.t0 - b.t0);
  const preflights = new Map();
  for (const e of entries.filter((x) => x.method === "OPTIONS")) {
    const key = `${hostOf(e.host)}${e.path}`;
    if (!preflights.has(key)) preflights.set(key, []);
    preflights.get(key).push(e);
  }
  const requests = [];
  for (const e of [...entries].sort((a, b) => a.received_ms - b.received_ms)) {
    if (e.method === "OPTIONS") continue;
    const list = queue.get(keyOf(e.method, e.host, e.path)) ?? [];
    const i = list.findIndex((f) => !f.used && f.t0 <= e.received_ms + 5);
    if (i < 0) continue; // not a fetch: a navigation of MSAL's popup or iframe
    const fetch = list[i];
    fetch.used = true;
    const candidates = preflights.get(`${hostOf(e.host)}${e.path}`) ?? [];
    const p = candidates.find((o) => !o.used && o.received_ms >= fetch.t0 - 5 && o.received_ms <= e.received_ms + 5);
    if (p) p.used = true;
    requests.push({
      host: hostOf(e.host), kind: hostKind(hostOf(e.host)), token: TOKEN.test(e.path), entry: e, fetch, preflight: p ?? null,
      scope: e.grant?.scope ?? "",
    });
  }

  // Rounds per host, as the page issued them.
  const byHost = new Map();
  for (const r of requests) {
    if (!byHost.has(r.host)) byHost.set(r.host, []);
    byHost.get(r.host).push(r);
  }
  const hops = (r) => 1 + (r.preflight ? 1 : 0);
  const chains = new Map();
  for (const [host, list] of byHost) {
    list.sort((a, b) => a.fetch.t0 - b.fetch.t0);
    const rounds = [];
    let current = null;
    for (const r of list) {
      const firstAnswer = current && Math.min(...current.map((x) => x.fetch.t1 ?? Infinity));
      if (!current || r.fetch.t0 >= firstAnswer) {
        current = [];
        rounds.push(current);
      }
      current.push(r);
    }
    chains.set(host, rounds);
  }
  const roundHops = (rounds) => rounds.map((round) => Math.max(...round.map(hops)));
  // The token request that opened a resource's first round (MSAL asks one per resource).
  const tokenHops = (host) => {
    const t = requests.find((r) => r.token && r.scope.split(" ").some((s) => s.includes(`//${host}/`)));
    return t ? hops(t) : 0;
  };
  const chainOf = (host) => {
    const rounds = chains.get(host) ?? [];
    const per = roundHops(rounds);
    if (per.length) per[0] += tokenHops(host);
    return per;
  };
  const kindHosts = (kind) => [...chains.keys()].filter((h) => hostKind(h) === kind);
  const discovery = kindHosts("discovery").flatMap(chainOf);
  const graph = kindHosts("graph").flatMap(chainOf);
  const graphHops = graph.reduce((s, h) => s + h, 0);
  const throttledBy = new Map();
  for (const e of entries) if (e.status === 429) throttledBy.set(hostOf(e.host), (throttledBy.get(hostOf(e.host)) ?? 0) + 1);
  const environments = [];
  const candidates = [];
  for (const host of kindHosts("dataverse")) {
    const per = chainOf(host);
    if (per.length && graphHops > per[0]) per[0] = graphHops;
    const total = per.reduce((s, h) => s + h, 0);
    const waitsMs = (throttledBy.get(host) ?? 0) * retryAfterMs;
    const rounds = chains.get(host);
    environments.push({
      host, rounds: rounds.length, hops: total,
      start: rounds[0][0].fetch.t0, end: Math.max(...rounds.at(-1).map((r) => r.fetch.t1 ?? 0)),
    });
    candidates.push({ host, hops: total, waitsMs, rounds: per, ms: total * latencyMs + waitsMs });
  }
  candidates.sort((a, b) => a.ms - b.ms);
  const typical = candidates.length ? candidates[Math.floor((candidates.length - 1) / 2)] : { host: null, hops: 0, waitsMs: 0, rounds: [], ms: 0 };
  const discoveryHops = discovery.reduce((s, h) => s + h, 0);
  const floor = {
    ms: (discoveryHops + typical.hops) * latencyMs + typical.waitsMs,
    hops: discoveryHops + typical.hops,
    discovery,
    graph,
    environment: typical.rounds,
    waitsMs: typical.waitsMs,
    roundTrips: typical.rounds.length,
    spread: candidates.length ? [candidates[0].hops, candidates.at(-1).hops] : [0, 0],
  };
  floor.text = [
    discovery.length ? `discovery ${discovery.join("+")}` : null,
    typical.rounds.length ? `environment rounds ${typical.rounds.join("+")} (the first with its token request, if one went out${graph.length ? `; Graph beside it: ${graphHops}` : ""})` : null,
    typical.waitsMs ? `waits ${typical.waitsMs} ms` : null,
    floor.spread[0] !== floor.spread[1] ? `environments ${floor.spread[0]}–${floor.spread[1]} hops` : null,
  ].filter(Boolean).join(", ");
  return { counts, floor, requests, environments, chains };
}

/**
 * Where each request waited, from the page's and the server's clocks (ms): issued → its
 * preflight reached the server; preflight answered → the request reached the server (or,
 * without a preflight, issued → reached); answered → the page had the headers; the
 * server's own time beyond the added latency. Medians, 90th percentiles and maxima.
 */
export function waits(requests, latencyMs) {
  const series = { toPreflight: [], preflightToRequest: [], toRequest: [], server: [], toPage: [] };
  for (const r of requests) {
    const { entry: e, fetch: f, preflight: p } = r;
    if (p) {
      series.toPreflight.push(p.received_ms - f.t0);
      if (p.answered_ms) series.preflightToRequest.push(e.received_ms - p.answered_ms);
    } else {
      series.toRequest.push(e.received_ms - f.t0);
    }
    if (e.answered_ms) {
      series.server.push(e.answered_ms - e.received_ms - latencyMs);
      if (f.t1) series.toPage.push(f.t1 - e.answered_ms);
    }
  }
  return Object.fromEntries(Object.entries(series).map(([k, v]) => [k, {
    n: v.length, median: median(v), p90: quantile(v, 0.9), max: v.length ? Math.max(...v) : NaN,
  }]));
}

/** Token requests in a phase: how many, how long each took for the page, how many at once. */
export function tokens(requests) {
  const list = requests.filter((r) => r.token);
  const durations = list.map((r) => (r.fetch.t1 ?? r.fetch.t0) - r.fetch.t0);
  const events = list.flatMap((r) => [[r.fetch.t0, 1], [r.fetch.t1 ?? r.fetch.t0, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let inFlight = 0;
  let most = 0;
  for (const [, d] of events) { inFlight += d; most = Math.max(most, inFlight); }
  const grants = {};
  for (const r of list) grants[r.entry.grant?.grant_type ?? "?"] = (grants[r.entry.grant?.grant_type ?? "?"] ?? 0) + 1;
  return {
    count: list.length,
    grants,
    preflighted: list.filter((r) => r.preflight).length,
    medianMs: median(durations),
    maxMs: durations.length ? Math.max(...durations) : NaN,
    mostAtOnce: most,
    spanMs: list.length ? Math.max(...list.map((r) => r.fetch.t1 ?? 0)) - Math.min(...list.map((r) => r.fetch.t0)) : 0,
  };
}

/** How many environments had a request in flight at once (the app's waves), at most. */
export function mostEnvironmentsAtOnce(environments) {
  const events = environments.flatMap((e) => [[e.start, 1], [e.end, -1]]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let n = 0;
  let most = 0;
  for (const [, d] of events) { n += d; most = Math.max(most, n); }
  return most;
}

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

// --- printing ------------------------------------------------------------------------

/** One phase's figures as lines of text. */
export function describePhase(label, p) {
  const c = p.counts;
  const kinds = Object.entries(c.byKind).map(([k, n]) => `${k} ${n}`).join(", ");
  return [
    `${label}: ${secs(p.ms)} — floor ${secs(p.floor.ms)} (${p.floor.hops} hops × ${p.latencyMs} ms${p.floor.waitsMs ? ` + ${p.floor.waitsMs} ms waits` : ""}: ${p.floor.text}), ratio ${(p.ms / p.floor.ms).toFixed(2)}`,
    `  requests ${c.requests}: ${c.preflights} preflights, ${c.tokens} token requests, ${kinds}${c.throttled ? `; ${c.throttled} answered 429` : ""}${c.failed ? `; ${c.failed} failed` : ""}`,
    `  peak JS heap ${(p.heapBytes / 1e6).toFixed(1)} MB; main thread busy ${secs(p.main.taskMs)} (script ${secs(p.main.scriptMs)}, layout ${secs(p.main.layoutMs)}, style ${secs(p.main.styleMs)}); emulator CPU ${p.emulatorCpu.toFixed(2)} s; load ${p.load}`,
  ].join("\n");
}

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

function storageDelta(before, after) {
  const out = {};
  for (const [k, a] of Object.entries(after)) {
    const b = before[k] ?? { calls: 0, chars: 0, ms: 0, largest: 0 };
    out[k] = { calls: a.calls - b.calls, chars: a.chars - b.chars, ms: a.ms - b.ms, largest: a.largest };
  }
  return out;
}

/** A phase without the bulky per-request lists, for JSON output. */
export function slim(phase) {
  const { requests, chains, environments, ...rest } = phase;
  return rest;
}

/** Where a phase's requests waited, its token requests, storage work and waves, as text. */
export function describeDetail(p) {
  const w = p.waits;
  const f = (s) => (s.n ? `median ${s.median.toFixed(0)} / p90 ${s.p90.toFixed(0)} / max ${s.max.toFixed(0)} ms (n ${s.n})` : "none");
  const t = p.tokens;
  const lines = [
    `  token requests ${t.count} (${Object.entries(t.grants).map(([g, n]) => `${g} ${n}`).join(", ") || "none"}; ${t.preflighted} preflighted): median ${Number.isNaN(t.medianMs) ? "—" : t.medianMs.toFixed(0)} ms, max ${Number.isNaN(t.maxMs) ? "—" : t.maxMs.toFixed(0)} ms each, up to ${t.mostAtOnce} at once, first issued to last answered ${secs(t.spanMs)}`,
    `  environments in flight at once: up to ${p.mostAtOnce}; round trips of the median environment: ${p.floor.roundTrips}`,
    `  issued → preflight at server: ${f(w.toPreflight)}`,
    `  preflight answered → request at server: ${f(w.preflightToRequest)}`,
    `  issued → request at server (no preflight): ${f(w.toRequest)}`,
    `  server time beyond the latency: ${f(w.server)}`,
    `  answered → page has the headers: ${f(w.toPage)}`,
  ];
  if (p.cpu) {
    const total = Object.values(p.cpu).reduce((a, b) => a + b, 0);
    lines.push(`  CPU used: ${total.toFixed(2)} s over ${secs(p.ms)} (${(total / (p.ms / 1000)).toFixed(2)} of this machine's 2 cores): ${Object.entries(p.cpu).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(", ")}`);
  }
  for (const [k, s] of Object.entries(p.storage ?? {})) {
    if (s.calls) lines.push(`  sessionStorage ${k}: ${s.calls} calls, ${(s.chars / 1e6).toFixed(2)} M chars (largest ${(s.largest / 1e3).toFixed(1)} k), ${s.ms.toFixed(0)} ms in the call`);
  }
  if (p.network) {
    const n = p.network;
    lines.push(`  DevTools timeline: ${n.requests} requests (${n.preflightsSeen} preflights), protocols ${JSON.stringify(n.protocols)}, ${n.connections} connection(s); stalled before sending median ${n.stalledMedianMs.toFixed(0)} / p90 ${n.stalledP90Ms.toFixed(0)} / max ${n.stalledMaxMs.toFixed(0)} ms; ${n.newConnections} new connection(s), connect (TCP + TLS) median ${n.connectMedianMs.toFixed(0)} / p90 ${n.connectP90Ms.toFixed(0)} ms, TLS median ${n.tlsMedianMs.toFixed(0)} ms`);
  }
  return lines.join("\n");
}

/**
 * Each environment's own timeline, summarised over the environments (median / p90 / max,
 * ms): how long after the phase began it started (its token request, or its first request),
 * its token request, the time from the token to its first request, each round trip as the
 * page saw it (first issued → last answered), and the gaps between rounds (the last answer
 * in → the next round issued: the page's own work). Shows whether time goes to waiting for
 * a turn, to tokens, to the network or to the page.
 */
export function environmentTimeline(phase) {
  const series = new Map();
  const add = (key, v) => { if (!series.has(key)) series.set(key, []); series.get(key).push(v); };
  for (const [host, rounds] of phase.chains) {
    if (hostKind(host) !== "dataverse") continue;
    const token = phase.requests.find((r) => r.token && r.scope.split(" ").some((s) => s.includes(`//${host}/`)));
    const spans = rounds.map((round) => ({ issue: Math.min(...round.map((r) => r.fetch.t0)), done: Math.max(...round.map((r) => r.fetch.t1 ?? r.fetch.t0)) }));
    const start = token ? token.fetch.t0 : spans[0].issue;
    add("started after", start - phase.from);
    if (token) {
      add("token request", (token.fetch.t1 ?? token.fetch.t0) - token.fetch.t0);
      add("token → first request", spans[0].issue - (token.fetch.t1 ?? token.fetch.t0));
    }
    spans.forEach((s, i) => {
      add(`round ${i + 1}`, s.done - s.issue);
      if (i > 0) add(`gap before round ${i + 1}`, s.issue - spans[i - 1].done);
    });
    add("whole environment", spans.at(-1).done - start);
  }
  const f = (v) => `${median(v).toFixed(0)} / ${quantile(v, 0.9).toFixed(0)} / ${Math.max(...v).toFixed(0)}`;
  return [...series].map(([k, v]) => `    ${k.padEnd(22)} ${f(v)} ms`).join("\n");
}
