// A phase's figures as text: counts, the floor and its ratio, where requests waited.
import { hostKind } from "./log.mjs";
import { load, median, quantile, secs } from "./stats.mjs";

// --- printing ------------------------------------------------------------------------

/** One phase's figures as lines of text. */
export function describePhase(label, p) {
  const c = p.counts;
  const kinds = Object.entries(c.byKind).map(([k, n]) => `${k} ${n}`).join(", ");
  return [
    `${label}: ${secs(p.ms)} — floor ${secs(p.floor.ms)} (${p.floor.hops} hops × ${p.latencyMs} ms${p.floor.waitsMs ? ` + ${p.floor.waitsMs} ms waits` : ""}: ${p.floor.text}), ratio ${(p.ms / p.floor.ms).toFixed(2)}`,
    `  requests ${c.requests}: ${c.preflights} preflights, ${c.tokens} token requests, ${kinds}${c.batches ? `; ${c.batches} of them $batch, carrying ${c.batchParts} requests` : ""}${c.throttled ? `; ${c.throttled} answered 429` : ""}${c.failed ? `; ${c.failed} failed` : ""}`,
    `  peak JS heap ${(p.heapBytes / 1e6).toFixed(1)} MB; main thread busy ${secs(p.main.taskMs)} (script ${secs(p.main.scriptMs)}, layout ${secs(p.main.layoutMs)}, style ${secs(p.main.styleMs)}); emulator CPU ${p.emulatorCpu.toFixed(2)} s; load ${p.load}`,
  ].join("\n");
}

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
