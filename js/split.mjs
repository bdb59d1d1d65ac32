// Code splitting, run by js/postbuild.mjs inside trunk's post_build hook: the sign-in
// screen downloads only the app's shell; the signed-in workspace is a wasm chunk
// fetched after sign-in (src/ui/workspace_loader.rs holds the split point).
//
// Trunk cannot cut the module itself, and the cut needs the linker's relocations,
// which wasm-bindgen drops: so this starts again from the wasm cargo linked (with
// --emit-relocs, see build.rs) and replaces trunk's wasm-bindgen output:
//   1. w365-wasm-split (crates/wasm-split) cuts it into main.wasm, one .wasm per
//      chunk and __wasm_split.js, the loader that fetches a chunk when it is needed;
//   2. wasm-bindgen (the same version and target as trunk's) makes the glue for main;
//   3. release only: wasm-opt -Oz on main and on every chunk (index.html turns
//      trunk's own wasm-opt off: it would run before the cut, without relocations);
//   4. every file gets a content hash in its name, and index.html's links (with
//      their SRI hashes) point at the new files.
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const CRATE = "w365-appuser";

const run = (cmd, args) => execFileSync(cmd, args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
const hash = (...parts) => {
  const h = createHash("sha384");
  for (const p of parts) h.update(p);
  return h.digest("hex").slice(0, 16);
};

/**
 * Splits the app in `staging` (trunk's staging dir) and returns `html` (its index.html)
 * with the links pointing at the split build. `release` decides whether wasm-opt runs.
 */
export async function splitApp({ staging, html, release }) {
  // Trunk's glue and wasm: `<base>.js` and `<base>_bg.wasm`, base = crate name + trunk's hash.
  const trunkBase = html.match(new RegExp(`/(${CRATE}-[0-9a-f]+)_bg\\.wasm`))?.[1];
  if (!trunkBase) throw new Error(`index.html does not load ${CRATE}'s wasm`);

  const profile = release ? "release" : "debug";
  const targetDir = resolve(process.env.CARGO_TARGET_DIR ?? join(ROOT, "target"));
  const linked = join(targetDir, "wasm32-unknown-unknown", profile, `${CRATE}.wasm`);
  const work = join(targetDir, "wasm-split", profile);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  // 1. The cut. The loader imports the glue as "./<crate>.js" until names are final.
  const cut = JSON.parse(run("cargo", ["run", "--quiet", "-p", "w365-wasm-split", "--", linked, work, `./${CRATE}.js`]));
  if (cut.chunks.length === 0) throw new Error("w365-wasm-split found no split point: the workspace would be in the first screen's wasm");

  // 2. The glue, as trunk makes it, plus the exports the chunks link against.
  const bindgen = join(work, "bindgen");
  run("wasm-bindgen", ["--target=web", "--keep-lld-exports", "--no-typescript", `--out-dir=${bindgen}`, `--out-name=${CRATE}`, cut.main]);

  // 3. wasm-opt, all modules at once (the chunk takes longest; the machine has 2 cores).
  const modules = [join(bindgen, `${CRATE}_bg.wasm`), ...cut.chunks];
  if (release) await optimize(modules);

  // 4. Names. Chunks by their own content; the glue and the split loader import each
  //    other, so they share one id, taken from everything the build ships.
  let loader = readFileSync(cut.loader, "utf8");
  for (const path of cut.chunks) {
    const bytes = readFileSync(path);
    const stem = basename(path, ".wasm");
    const name = `${stem}-${hash(bytes)}.wasm`;
    loader = replaceOnce(loader, `"./${stem}.wasm"`, `"./${name}"`, cut.loader);
    writeFileSync(join(staging, name), bytes);
  }
  const wasm = readFileSync(modules[0]);
  let glue = readFileSync(join(bindgen, `${CRATE}.js`), "utf8");
  const id = hash(wasm, glue, loader);
  const base = `${CRATE}-${id}`;
  const loaderName = `__wasm_split-${id}.js`;
  // Only the import: the imports object's key stays the module name the wasm asks for.
  glue = replaceOnce(glue, `from "./__wasm_split.js"`, `from "./${loaderName}"`, "the glue");
  loader = replaceOnce(loader, `"./${CRATE}.js"`, `"./${base}.js"`, cut.loader);

  rmSync(join(staging, `${trunkBase}.js`));
  rmSync(join(staging, `${trunkBase}_bg.wasm`));
  writeFileSync(join(staging, `${base}.js`), glue);
  writeFileSync(join(staging, `${base}_bg.wasm`), wasm);
  writeFileSync(join(staging, loaderName), loader);
  // Same crate, same snippets (the bridge); copied so what is served is what the glue was made with.
  if (existsSync(join(bindgen, "snippets"))) cpSync(join(bindgen, "snippets"), join(staging, "snippets"), { recursive: true });

  html = html.replaceAll(trunkBase, base);
  // The glue imports the split loader: preload it alongside (with SRI, like trunk's links).
  html = replaceOnce(html, "</head>", `<link rel="modulepreload" href="/${loaderName}" crossorigin="anonymous" integrity=""></head>`, "index.html");
  return refreshIntegrity(html, staging);
}

async function optimize(paths) {
  // What trunk's data-wasm-opt="z" runs; the features come from each module's
  // target_features section, as they do for trunk.
  const wasmOpt = promisify(execFile);
  // binaryen from npm, never Debian's older wasm-opt (its output fails in the browser).
  const bin = join(ROOT, "node_modules", ".bin", "wasm-opt");
  await Promise.all(paths.map((path) => wasmOpt(bin, ["-Oz", `--output=${path}`, path], { cwd: ROOT })));
  for (const path of paths) new WebAssembly.Module(readFileSync(path)); // throws if a module came out invalid
}

/** Recomputes every `integrity` attribute of index.html's links from the staged file. */
function refreshIntegrity(html, staging) {
  return html.replace(/<link\b[^>]*>/g, (tag) => {
    if (!/\bintegrity=/.test(tag)) return tag;
    const href = tag.match(/\bhref="\/?([^"]+)"/)?.[1];
    if (!href) return tag;
    const digest = createHash("sha384").update(readFileSync(join(staging, href))).digest("base64");
    return tag.replace(/\bintegrity="[^"]*"/, `integrity="sha384-${digest}"`);
  });
}

function replaceOnce(text, from, to, where) {
  const count = text.split(from).length - 1;
  if (count !== 1) throw new Error(`expected ${from} once in ${where}, found it ${count} times`);
  return text.replace(from, to);
}
