// Budget: everything the browser downloads from dist/ for the first screen
// (index.html, the CSS it links, the wasm-bindgen JS glue, every JS module the
// glue imports — the bundled MSAL bridge and the split loader among them —, the
// wasm, config.json) must weigh at most 300 KB after gzip -9. redirect.html and
// redirect.js are only loaded inside MSAL's popup and iframe, so they are not
// counted. The wasm chunks the split loader fetches after sign-in (js/split.mjs)
// are not counted either, but they are listed with their size and total.
//
//   node bench/size.mjs [--dist DIR] [--budget-kb 300] [--json]
import { readFileSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join, resolve, relative, posix } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dirname, "..");
const { values: opts } = parseArgs({
  options: {
    dist: { type: "string", default: join(ROOT, "dist") },
    "budget-kb": { type: "string", default: "300" },
    json: { type: "boolean", default: false },
  },
});
const DIST = resolve(opts.dist);
const BUDGET = Number(opts["budget-kb"]) * 1000;

/** Resolves a URL found in `from` (a dist-relative file) to a dist-relative path, or null if not local. */
function local(url, from) {
  if (/^[a-z]+:|^\/\//i.test(url) || url.startsWith("data:")) return null;
  const clean = url.split(/[?#]/)[0];
  const path = clean.startsWith("/") ? clean.slice(1) : posix.join(posix.dirname(from), clean);
  return posix.normalize(path);
}

const found = new Map(); // dist-relative path -> why it is loaded
const missing = new Map(); // referenced but not in dist
const lazy = new Map(); // wasm a first-screen module fetches later (`new URL(…, import.meta.url)`) -> that module
function add(path, why) {
  if (path === null || found.has(path) || missing.has(path)) return;
  if (!existsSync(join(DIST, path))) {
    // The browser would get a 404 for it: a broken build, but nothing to weigh.
    missing.set(path, why);
    return;
  }
  found.set(path, why);
  if (path.endsWith(".js") || path.endsWith(".mjs")) scanModule(path);
  if (path.endsWith(".css")) scanCss(path);
}

function scanModule(path) {
  const text = readFileSync(join(DIST, path), "utf8");
  // Static and dynamic imports of local modules (the glue's snippets, the bridge's chunks).
  const specifiers = /(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
  for (const m of text.matchAll(specifiers)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec.startsWith(".") || spec.startsWith("/")) add(local(spec, path), path);
  }
  // The split loader's chunks. (The glue's own `new URL('<crate>_bg.wasm', …)` is a
  // default the loader never uses: there is no such file, so it is skipped.)
  for (const m of text.matchAll(/new URL\(\s*['"]([^'"]+\.wasm)['"]\s*,\s*import\.meta\.url\s*\)/g)) {
    const chunk = local(m[1], path);
    if (existsSync(join(DIST, chunk))) lazy.set(chunk, path);
  }
}

function scanCss(path) {
  const text = readFileSync(join(DIST, path), "utf8");
  for (const m of text.matchAll(/url\(\s*['"]?([^'")]+)['"]?\s*\)|@import\s+['"]([^'"]+)['"]/g)) {
    add(local(m[1] ?? m[2], path), path);
  }
}

// index.html: the inline loader's import and module_or_path, links and scripts.
add("index.html", "navigation");
const html = readFileSync(join(DIST, "index.html"), "utf8");
for (const m of html.matchAll(/<(?:link|script)\b[^>]*>/g)) {
  const tag = m[0];
  const rel = tag.match(/\brel=["']?([^"' >]+)/)?.[1] ?? "";
  const url = tag.match(/\b(?:href|src)=["']([^"']+)["']/)?.[1];
  if (!url) continue;
  if (tag.startsWith("<script") || ["stylesheet", "modulepreload", "preload"].includes(rel)) add(local(url, "index.html"), "index.html");
}
for (const m of html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)) {
  for (const u of m[1].matchAll(/from\s*['"]([^'"]+)['"]|module_or_path:\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]/g)) {
    add(local(u[1] ?? u[2] ?? u[3], "index.html"), "index.html (inline loader)");
  }
}
// The app fetches its configuration before the first screen.
if (existsSync(join(DIST, "config.json"))) add("config.json", "fetched by the app at start");
if (![...found.keys()].some((p) => p.endsWith(".wasm"))) throw new Error("no .wasm found among the first screen's downloads");

for (const path of found.keys()) lazy.delete(path);

const measure = (paths) => [...paths].sort().map((path) => {
  const raw = readFileSync(join(DIST, path));
  return { path, raw: raw.length, gzip: gzipSync(raw, { level: 9 }).length };
});
const sum = (rows) => rows.reduce((s, r) => ({ raw: s.raw + r.raw, gzip: s.gzip + r.gzip }), { raw: 0, gzip: 0 });
const rows = measure(found.keys());
const total = sum(rows);
const lazyRows = measure(lazy.keys());
const lazyTotal = sum(lazyRows);
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

if (opts.json) {
  console.log(JSON.stringify({ files: rows, total, budget: BUDGET, lazy: { files: lazyRows, total: lazyTotal } }, null, 2));
} else {
  const line = (label, r, note = "") => console.log(`  ${label.padEnd(64)} ${kb(r.raw).padStart(10)} raw ${kb(r.gzip).padStart(10)} gzip${note}`);
  console.log(`first-screen downloads from ${relative(process.cwd(), DIST) || "."} (gzip -9):`);
  for (const r of rows) line(r.path, r);
  line("total", total, `  (budget ${kb(BUDGET)})`);
  if (lazyRows.length) {
    console.log("loaded after sign-in, not counted above (split chunks):");
    for (const r of lazyRows) line(r.path, r);
    line("total", lazyTotal);
  }
}
for (const [path, why] of missing) console.error(`warning: ${why} refers to ${path}, which is not in dist/ (the browser gets a 404)`);
if (total.gzip > BUDGET) {
  console.error(`over budget: ${kb(total.gzip)} > ${kb(BUDGET)}`);
  process.exit(1);
}
