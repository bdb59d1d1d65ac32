// What the bundled MSAL bridge (js/bridge.js → the first screen's bridge.js) is made of, and
// what esbuild options would shrink it: builds the bridge into a temporary directory (never
// js/dist) once per variant, prints each variant's minified and gzip -9 size and, for the
// first, the bytes each part of MSAL contributes (esbuild's metafile).
//
//   node bench/msal_size.mjs [--out DIR] [--variant NAME]
//
// --out keeps each variant's bundle in DIR/<variant>/bridge.js, to serve one in a copy of
// dist/ and check that it still signs in (e2e/sign_in.test.mjs); --variant builds only one.
// The variants change build options only, never js/bridge.js's calls into MSAL.
import { build } from "esbuild";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { parseArgs } from "node:util";

const ROOT = resolve(import.meta.dirname, "..");
const { values: opts } = parseArgs({ options: { out: { type: "string" }, variant: { type: "string" } } });

// What js/bundle.mjs does today.
const base = {
  bundle: true, minify: true, format: "esm", target: ["chrome120", "edge120"], legalComments: "none",
  logLevel: "error", metafile: true, absWorkingDir: ROOT, entryPoints: [join(ROOT, "js", "bridge.js")],
};
// Modules of MSAL the bridge never reaches with its configuration (no platform broker:
// `system.allowPlatformBroker` stays false, its default; no redirect flow; no PoP or DPoP
// tokens; no localStorage or cookie cache), replaced at bundle time by stubs: a class
// throws if constructed, and the platform-broker checks answer "not available" as they do
// when the broker is off. Only a build option; js/bridge.js is unchanged. Each variant must
// still pass e2e/sign_in.test.mjs (see BENCHMARKS.md) before it could ship. Measured on
// 2026-11-29: broker + redirect stubs pass sign_in, sign_in_again and extension; the
// variants that also stub the PoP key store or the local/cookie storages do not.
const BROKER = ["broker/nativeBroker/PlatformAuthExtensionHandler", "broker/nativeBroker/PlatformAuthDOMHandler", "interaction_client/PlatformAuthInteractionClient"];
const REDIRECT = ["interaction_client/RedirectClient"];
const POP = ["cache/DatabaseStorage", "crypto/TokenBindingKeyManager"];
const STORAGE = ["cache/LocalStorage", "cache/CookieStorage"];
function stubs(modules) {
  const re = new RegExp(`@azure/msal-browser/dist/(${[...modules, "broker/nativeBroker/PlatformAuthProvider"].map((m) => m.replace(/\//g, "\\/")).join("|")})\\.mjs$`);
  return {
    name: "msal-stubs",
    setup(b) {
      b.onLoad({ filter: re }, (args) => {
        const text = readFileSync(args.path, "utf8");
        if (args.path.endsWith("PlatformAuthProvider.mjs")) {
          // The broker is off (allowPlatformBroker false): what these answer then.
          return { contents: "export const isPlatformAuthAllowed = () => false; export const isPlatformBrokerAvailable = async () => false; export const getPlatformAuthProvider = async () => undefined;", loader: "js" };
        }
        const names = [...text.matchAll(/export\s*\{([^}]*)\}/g)].flatMap((m) => m[1].split(",")).map((n) => n.trim().split(/\s+as\s+/).pop()).filter(Boolean);
        const body = names.map((n) => `export class ${n} { constructor() { throw new Error("${n} is not bundled (bench/msal_size.mjs stub)"); } }`).join("\n");
        return { contents: body, loader: "js" };
      });
    },
  };
}
const VARIANTS = {
  "as shipped (js/bundle.mjs)": {},
  // MSAL's own code checks these at run time; defining them lets the minifier drop the dead branches.
  "define process.env.NODE_ENV=production": { define: { "process.env.NODE_ENV": '"production"' } },
  "drop console and debugger": { drop: ["console", "debugger"] },
  // MSAL's logger methods are pure calls with string arguments; marking them pure drops the
  // calls, not the Logger class.
  "pure logger calls": { pure: ["this.logger.verbose", "this.logger.trace", "this.logger.info", "this.logger.verbosePii", "this.logger.infoPii", "this.logger.tracePii", "e.logger.verbose", "e.logger.trace", "e.logger.info"] },
  "mangle properties _private": { mangleProps: /^_[a-z]/ },
  "target es2022": { target: ["es2022"] },
  // The package's single-file CommonJS build instead of its ES modules: nothing to shake.
  "CommonJS build (lib/msal-browser.cjs)": {
    plugins: [{
      name: "msal-cjs",
      setup(b) { b.onResolve({ filter: /^@azure\/msal-browser$/ }, () => ({ path: join(ROOT, "node_modules/@azure/msal-browser/lib/msal-browser.cjs") })); },
    }],
  },
  "stub platform broker (WAM)": { plugins: [stubs(BROKER)] },
  "stub broker + redirect client": { plugins: [stubs([...BROKER, ...REDIRECT])] },
  // MSAL constructs the PoP key store and the local/cookie storages at start whatever the
  // configuration: stubbed, the sign-in popup never opens (e2e/sign_in.test.mjs fails).
  "stub broker + redirect + PoP key store": { plugins: [stubs([...BROKER, ...REDIRECT, ...POP])] },
  "stub broker + redirect + local/cookie storage": { plugins: [stubs([...BROKER, ...REDIRECT, ...STORAGE])] },
  "all of the above but the CommonJS build": {
    define: { "process.env.NODE_ENV": '"production"' }, drop: ["console", "debugger"],
    pure: ["this.logger.verbose", "this.logger.trace", "this.logger.info", "this.logger.verbosePii", "this.logger.infoPii", "this.logger.tracePii"],
    plugins: [stubs([...BROKER, ...REDIRECT])],
  },
};

const dir = opts.out ? resolve(opts.out) : mkdtempSync(join(tmpdir(), "w365-msal-"));
const kb = (n) => `${(n / 1000).toFixed(1)} KB`;
let first = true;
for (const [name, options] of Object.entries(VARIANTS)) {
  if (opts.variant && opts.variant !== name) continue;
  const outdir = join(dir, name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "").toLowerCase());
  mkdirSync(outdir, { recursive: true });
  const outfile = join(outdir, "bridge.js");
  let result;
  try {
    result = await build({ ...base, ...options, outfile });
  } catch (error) {
    console.log(`${name.padEnd(44)} failed: ${error.message.split("\n")[0]}`);
    continue;
  }
  const bytes = readFileSync(outfile);
  console.log(`${name.padEnd(44)} ${kb(bytes.length).padStart(9)} min ${kb(gzipSync(bytes, { level: 9 }).length).padStart(9)} gzip  ${outfile}`);
  if (first) {
    first = false;
    const out = Object.values(result.metafile.outputs)[0];
    const parts = new Map();
    for (const [path, info] of Object.entries(out.inputs)) {
      const m = path.match(/@azure\/(msal-[a-z]+)\/(?:dist|lib)\/(?:(.*)\/)?[^/]+$/);
      const key = m ? `${m[1]}/${m[2] ?? "(root)"}` : path.replace(/^.*node_modules\//, "");
      parts.set(key, (parts.get(key) ?? 0) + info.bytesInOutput);
    }
    console.log(`  ${Object.keys(out.inputs).length} modules; minified bytes by directory:`);
    for (const [k, b] of [...parts].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`  ${String(b).padStart(8)}  ${k}`);
  }
}
if (!opts.out) rmSync(dir, { recursive: true, force: true });
