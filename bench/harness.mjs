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
//
// The parts live in harness/: stats, session (emulator, Chromium, probe, CPU), log (counts,
// round trips, floor), profile, tenant (one run over N environments), report (text).
export { ROOT, load, median, secs } from "./harness/stats.mjs";
export { buildEmulator, openBench, signIn, processCpu, cpuDelta, mainThread } from "./harness/session.mjs";
export { hostKind, analyse, waits, tokens, mostEnvironmentsAtOnce } from "./harness/log.mjs";
export { startProfiler, summariseProfile } from "./harness/profile.mjs";
export { throttleEveryEnvironment, startTimeline, runTenant } from "./harness/tenant.mjs";
export { describePhase, slim, describeDetail, environmentTimeline } from "./harness/report.mjs";
