// A copy of the production build whose wasm keeps its function names, for CPU profiles
// (bench/batch.mjs --profile … --dist target/dist-names) and size breakdowns (twiggy).
//
//   node bench/names.mjs [--out target/dist-names] [--dist dist]
//
// Starts from what `trunk build --release` left behind (dist/ and the wasm cargo linked,
// target/wasm32-unknown-unknown/release/w365-appuser.wasm) and redoes js/split.mjs's cut,
// wasm-bindgen and wasm-opt -Oz, with `-g` so that wasm-opt keeps the name section. The
// modules keep their imports and exports, so dist's glue, loader and hashed file names are
// reused as they are: only the .wasm files are replaced (and index.html's SRI hash of the
// main one). Also writes the unoptimised modules (`*.pre-opt.wasm`) beside, for twiggy.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dirname, "..");
const { values: opts } = parseArgs({
  options: { out: { type: "string", default: join(ROOT, "target", "dist-names") }, dist: { type: "string", default: join(ROOT, "dist") } },
});
const OUT = resolve(opts.out);
// Must be the output of the last `trunk build --release` (its wasm is what cargo linked last).
const DIST = resolve(opts.dist);
const LINKED = join(ROOT, "target", "wasm32-unknown-unknown", "release", "w365-appuser.wasm");
if (!existsSync(LINKED) || !existsSync(join(DIST, "index.html"))) throw new Error("run `trunk build --release` first");

const run = (cmd, args) => execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
const work = join(ROOT, "target", "wasm-split", "names");
rmSync(work, { recursive: true, force: true });
const cut = JSON.parse(run("cargo", ["run", "--quiet", "-p", "w365-wasm-split", "--", LINKED, work, "./w365-appuser.js"]));
const bindgen = join(work, "bindgen");
run("wasm-bindgen", ["--target=web", "--keep-lld-exports", "--no-typescript", `--out-dir=${bindgen}`, "--out-name=w365-appuser", cut.main]);

rmSync(OUT, { recursive: true, force: true });
cpSync(DIST, OUT, { recursive: true });
const files = readdirSync(OUT);
const mainName = files.find((f) => /^w365-appuser-[0-9a-f]+_bg\.wasm$/.test(f));
const modules = [[join(bindgen, "w365-appuser_bg.wasm"), mainName]];
for (const chunk of cut.chunks) {
  const stem = chunk.replace(/^.*\//, "").replace(/\.wasm$/, "");
  modules.push([chunk, files.find((f) => f.startsWith(`${stem}-`) && f.endsWith(".wasm"))]);
}
const wasmOpt = join(ROOT, "node_modules", ".bin", "wasm-opt");
for (const [from, name] of modules) {
  if (!name) throw new Error(`dist/ has no file for ${from}: is dist/ from the same build?`);
  const target = join(OUT, name);
  cpSync(from, join(OUT, name.replace(/\.wasm$/, ".pre-opt.wasm")));
  run(wasmOpt, ["-Oz", "-g", `--output=${target}`, from]);
  const bytes = readFileSync(target);
  console.log(`${name}: ${(bytes.length / 1000).toFixed(1)} KB raw, ${(gzipSync(bytes, { level: 9 }).length / 1000).toFixed(1)} KB gzip with names`);
}
// The main module is preloaded with an SRI hash.
const indexPath = join(OUT, "index.html");
const html = readFileSync(indexPath, "utf8").replace(/<link\b[^>]*>/g, (tag) => {
  const href = tag.match(/\bhref="\.?\/?([^"]+)"/)?.[1];
  if (!/\bintegrity=/.test(tag) || href !== mainName) return tag;
  const digest = createHash("sha384").update(readFileSync(join(OUT, href))).digest("base64");
  return tag.replace(/\bintegrity="[^"]*"/, `integrity="sha384-${digest}"`);
});
writeFileSync(indexPath, html);
console.log(`wrote ${OUT}`);
