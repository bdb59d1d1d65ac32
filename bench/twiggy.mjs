// What the first screen's wasm is made of, by crate: `twiggy top` on the names build of the
// main module (bench/names.mjs), each item counted under the crate its name starts with.
//
//   node bench/names.mjs && node bench/twiggy.mjs [--dist target/dist-names] [--top 15]
//
// Sizes are raw bytes of the optimised module (wasm-opt -Oz, names kept in a custom section
// that is left out of the counts); gzip shrinks this module to about 0.4 of raw.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dirname, "..");
const { values: opts } = parseArgs({
  options: { dist: { type: "string", default: join(ROOT, "target", "dist-names") }, top: { type: "string", default: "15" } },
});
const dist = resolve(opts.dist);
const main = readdirSync(dist).find((f) => /^w365-appuser-[0-9a-f]+_bg\.wasm$/.test(f));
if (!main) throw new Error(`${dist} has no main module: run node bench/names.mjs first`);
const items = JSON.parse(execFileSync("twiggy", ["top", "-n", "1000000", "--format", "json", join(dist, main)], { encoding: "utf8", maxBuffer: 1 << 28 }));

/** The crate (or kind of item) a twiggy item belongs to. */
function owner(raw) {
  // Crate names carry their disambiguator (`core[c5930c85a12de822]::…`).
  const name = raw.replace(/\[[0-9a-f]{16}\]/g, "");
  if (/subsection$|^custom section|^producers|^target_features/.test(name)) return null; // names, metadata: not counted
  if (/^data segment/.test(name)) return "data segments (strings, tables, panic locations)";
  if (/^(import|export|elem|table|memory|type|global|code)\b/.test(name) || /^(wasm-bindgen|__wbindgen|__wbg_|__wasm_split)/.test(name)) return "imports, exports, tables (wasm-bindgen, split loader)";
  // `<T as crate::Trait>::f`, `<crate::Type>::f`: the type's crate.
  const crate = name.match(/^<*&?(?:mut |dyn )*([A-Za-z_][A-Za-z0-9_]*)(?:::|>|\s)/)?.[1];
  if (!crate) return "other";
  if (/^[A-Z]$/.test(crate)) return "generic impls (`<T as …>`)";
  if (["core", "alloc", "std", "__rustc", "char", "str", "u8", "usize", "i32", "u32", "u64", "f64", "bool"].includes(crate)) return "core + alloc + std";
  if (crate === "w365_appuser") return "w365_appuser (the app)";
  return crate;
}

const totals = new Map();
let total = 0;
for (const item of items) {
  const key = owner(item.name);
  if (!key) continue;
  totals.set(key, (totals.get(key) ?? 0) + item.shallow_size);
  total += item.shallow_size;
}
const rows = [...totals].sort((a, b) => b[1] - a[1]);
const top = Number(opts.top);
console.log(`${main}: ${(total / 1000).toFixed(1)} KB raw counted (twiggy shallow sizes)`);
console.log("| part | raw KB | share |\n|---|---|---|");
for (const [name, bytes] of rows.slice(0, top)) console.log(`| ${name} | ${(bytes / 1000).toFixed(1)} | ${((100 * bytes) / total).toFixed(0)} % |`);
const rest = rows.slice(top).reduce((sum, [, b]) => sum + b, 0);
if (rest) console.log(`| ${rows.length - top} more | ${(rest / 1000).toFixed(1)} | ${((100 * rest) / total).toFixed(0)} % |`);
