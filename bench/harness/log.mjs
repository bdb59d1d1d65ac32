// The request log turned into counts, round trips per environment and the network floor.
import { median, quantile } from "./stats.mjs";

// --- the request log: counts, round trips, the floor ------------------------------

export const TOKEN = /\/oauth2\/v2\.0\/token(\?|$)/;
export const hostOf = (h) => h.replace(/:\d+$/, "").toLowerCase();
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
  const logged = log.filter((e) => e.received_ms >= from - 5 && e.received_ms <= to + 5);
  // A `$batch`'s parts have log entries of their own (`batch`: the `$batch`'s seq) but were
  // not exchanges: "requests" counts exchanges on the wire, a `$batch` as one; the parts are
  // counted apart (`batchParts`).
  const entries = logged.filter((e) => e.batch == null);
  const counts = {
    requests: entries.length, preflights: 0, tokens: 0, byKind: {}, throttled: 0, failed: 0,
    batches: entries.filter((e) => e.method === "POST" && /\/\$batch$/.test(e.path)).length,
    batchParts: logged.length - entries.length,
  };
  for (const e of entries) {
    const kind = hostKind(hostOf(e.host));
    if (e.method === "OPTIONS") counts.preflights += 1;
    else if (TOKEN.test(e.path)) counts.tokens += 1;
    else counts.byKind[kind] = (counts.byKind[kind] ?? 0) + 1;
  }
  // Answers are counted per request, a `$batch`'s parts included.
  for (const e of logged) {
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
  for (const e of logged) if (e.status === 429) throttledBy.set(hostOf(e.host), (throttledBy.get(hostOf(e.host)) ?? 0) + 1);
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
