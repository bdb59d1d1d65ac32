// The bench session, shared by the browser benches (batch, curve, fresh, storm): a tenant
// of N environments in the emulator (optimised build) at a given latency, and Chromium
// mapped onto it with a probe in every page; the CPU each process used.
//
// The probe (an init script, so it runs before the app) only observes: it wraps
// `window.fetch` to note when each request was issued and when its answer's headers
// came back, wraps `Storage.prototype.setItem`/`getItem` to count storage work, and
// notes (MutationObserver) when each screen the benches wait for appeared. Times are
// Unix ms (`performance.timeOrigin + performance.now()`), the clock the emulator's
// log uses (`received_ms`, `answered_ms`), so page and server line up.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { PRODUCTION_CONFIG, launchBrowser, signInWithPopup, startEmulator } from "../../e2e/support.mjs";
import { ROOT } from "./stats.mjs";

let emulatorBuilt = false;
/** The emulator as an optimised build: its own TLS, RS256 and JSON work is not what is timed. */
export function buildEmulator() {
  if (emulatorBuilt) return;
  execFileSync("cargo", ["build", "--quiet", "--release", "-p", "w365-emulator"], { cwd: ROOT, stdio: "inherit" });
  emulatorBuilt = true;
}

/** batch-200's template (Work 365 installed, a licensed service account, no app user) `count` times. */
export function writeScenario(dir, count) {
  const scenario = JSON.parse(readFileSync(join(ROOT, "crates/emulator/scenarios/batch-200.json"), "utf8"));
  scenario.description = `batch-200's template, ${count} times (bench/)`;
  scenario.environment_repeats[0].count = count;
  const path = join(dir, `batch-${count}.json`);
  writeFileSync(path, JSON.stringify(scenario));
  return path;
}

// Runs in every page before its scripts (see the file's notes). Only observes.
export const PROBE = () => {
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
