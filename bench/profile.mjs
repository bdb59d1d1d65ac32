// Where a page's main thread spent a DevTools CPU profile (bench/batch.mjs --profile), by
// component: each sample goes to the innermost frame of its stack that belongs to a known
// component (MSAL, the session record's storage, fetch, rendering, the procedure…), so a
// sessionStorage write made by MSAL counts as MSAL and one made by the app as the app's.
// Profiles of a build with wasm names (bench/names.mjs) give the Rust functions.
//
//   node bench/profile.mjs FILE.cpuprofile [--callers NAME] [--top 30]
//
// --callers NAME prints the heaviest stacks leading to functions whose name contains NAME.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { callers: { type: "string" }, top: { type: "string", default: "30" } },
});

// A sample belongs to the first component below found anywhere in its stack, so a
// `setItem` called by MSAL counts as MSAL and one called by the app's store as the store's,
// serde called from the store as the store's, a DOM call made by Leptos as rendering.
// Browser built-ins (no script URL) and the glue belong to whoever called them. The
// probe's own self time is counted apart.
const COMPONENTS = [
  ["session record: clone, serialise, sessionStorage (Session::save_with, run::store)", (f) => /run::store|tab_storage|ui::session::Session::(save_with|add_run)/.test(f.name)],
  ["MSAL (bridge.js: acquireTokenSilent, its cache)", (f) => /bridge\.js$/.test(f.url)],
  ["fetch (gloo-net, the transport, the browser's fetch)", (f) => /gloo_net|api::transport/.test(f.name)],
  ["rendering (Leptos, DOM)", (f) => /tachys|reactive_graph::effect|leptos::(?!task)/.test(f.name)],
  ["procedure (w365_core)", (f) => /w365_core/.test(f.name)],
  ["other wasm (allocator, serde, std, futures)", (f) => /\.wasm$/.test(f.url)],
  ["other JS", (f) => Boolean(f.url) && !/w365-appuser-[0-9a-f]*\.js$/.test(f.url)],
  ["wasm-bindgen glue", (f) => Boolean(f.url)],
];
const isProbe = (f) => /^bench[A-Z]|^observe$|^count$/.test(f.functionName) && !/\.(js|wasm)$/.test(f.url);

// Rust's legacy symbol mangling (`_ZN3foo3bar17h…E`) as a path, enough to match on.
function demangle(name) {
  if (!name.startsWith("_ZN")) return name;
  const parts = [];
  let i = 3;
  while (i < name.length && name[i] !== "E") {
    const m = /^\d+/.exec(name.slice(i));
    if (!m) break;
    i += m[0].length;
    parts.push(name.slice(i, i + Number(m[0])));
    i += Number(m[0]);
  }
  return parts.filter((p) => !/^h[0-9a-f]{16}$/.test(p)).join("::")
    .replace(/\$LT\$/g, "<").replace(/\$GT\$/g, ">").replace(/\$u20\$/g, " ").replace(/\$RF\$/g, "&")
    .replace(/\$C\$/g, ",").replace(/\$u7b\$/g, "{").replace(/\$u7d\$/g, "}").replace(/\$BP\$/g, "*").replace(/\.\./g, "::");
}

const profile = JSON.parse(readFileSync(positionals[0], "utf8"));
for (const n of profile.nodes) n.callFrame.name = demangle(n.callFrame.functionName);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const stack = (id) => {
  const frames = [];
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) frames.push(byId.get(cur).callFrame);
  return frames; // leaf first
};
const total = new Map();
const callers = new Map();
let all = 0;
profile.samples.forEach((id, i) => {
  const us = profile.timeDeltas[i] || 0;
  all += us;
  const frames = stack(id);
  const leaf = frames[0];
  let component;
  if (/^\((idle|program|garbage collector)\)$/.test(leaf.functionName)) component = leaf.functionName;
  else if (isProbe(leaf)) component = "bench probe (measuring only)";
  else component = COMPONENTS.find(([, match]) => frames.some(match))?.[0] ?? "browser built-ins, unattributed";
  total.set(component, (total.get(component) ?? 0) + us);
  if (opts.callers && frames.some((f) => f.name.includes(opts.callers))) {
    const path = frames.slice(0, 12).map((f) => f.name.replace(/::h[0-9a-f]{16}$/, "").slice(0, 90) || "(anonymous)").join(" ← ");
    callers.set(path, (callers.get(path) ?? 0) + us);
  }
});
const ms = (us) => `${(us / 1000).toFixed(0).padStart(6)} ms`;
console.log(`${positionals[0]}: ${ms(all)} sampled, by component (see COMPONENTS):`);
for (const [k, us] of [...total].sort((a, b) => b[1] - a[1])) console.log(`${ms(us)}  ${(100 * us / all).toFixed(1).padStart(5)} %  ${k}`);
if (opts.callers) {
  console.log(`\nheaviest stacks through "${opts.callers}" (leaf first):`);
  for (const [path, us] of [...callers].sort((a, b) => b[1] - a[1]).slice(0, Number(opts.top))) console.log(`${ms(us)}  ${path}`);
}
