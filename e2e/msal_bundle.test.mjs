// The MSAL bridge's bundle leaves parts of MSAL out (js/msal_stubs.mjs). These tests fail when
// that could go wrong unnoticed: another MSAL version than the stubs were written for, a
// stubbed module that moved, a stub that no longer stands in for the module, or a stub that
// does not fail loudly when MSAL needs it after all. (Every browser test also fails when a
// stub is reached during its run: e2e/support.mjs watches each page's console for it.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "esbuild";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { BROKER_DISCOVERY, MSAL_VERSION, STUBBED_CLASSES, STUB_MARKER, exportedNames, msalStubs } from "../js/msal_stubs.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const DIST = join(ROOT, "node_modules", "@azure", "msal-browser", "dist");
const json = (path) => JSON.parse(readFileSync(join(ROOT, path), "utf8"));

test("MSAL is pinned to the release the stubs were written for, and every stubbed module is where they expect it", () => {
  assert.equal(json("package.json").devDependencies["@azure/msal-browser"], MSAL_VERSION, "package.json pins the stubs' MSAL exactly");
  assert.equal(json("package-lock.json").packages["node_modules/@azure/msal-browser"].version, MSAL_VERSION, "the lock agrees");
  assert.equal(json("node_modules/@azure/msal-browser/package.json").version, MSAL_VERSION, "the installed MSAL is that release");
  for (const module of [...STUBBED_CLASSES, BROKER_DISCOVERY]) {
    assert.ok(existsSync(join(DIST, `${module}.mjs`)), `${module}.mjs exists in MSAL ${MSAL_VERSION}`);
  }
  for (const module of STUBBED_CLASSES) {
    const names = exportedNames(readFileSync(join(DIST, `${module}.mjs`), "utf8"));
    assert.deepEqual(names, [module.split("/").pop()], `${module} exports only its class`);
  }
});

test("the bridge bundle carries the stubs instead of the stubbed modules", async () => {
  const dir = mkdtempSync(join(tmpdir(), "w365-msal-bundle-"));
  try {
    const outfile = join(dir, "bridge.js");
    const result = await build({
      absWorkingDir: ROOT, entryPoints: ["js/bridge.js"], outfile, bundle: true, minify: true, format: "esm",
      target: ["chrome120"], legalComments: "none", logLevel: "error", metafile: true, plugins: [msalStubs()],
    });
    const inputs = Object.entries(Object.values(result.metafile.outputs)[0].inputs);
    for (const module of [...STUBBED_CLASSES, BROKER_DISCOVERY]) {
      const found = inputs.filter(([path]) => path.replace(/\\/g, "/").endsWith(`msal-browser/dist/${module}.mjs`));
      // The broker's handlers are imported only by the broker discovery, whose stub imports
      // nothing: they are not bundled at all.
      assert.ok(found.length <= 1, `${module} is in the bundle at most once`);
      for (const [, info] of found) assert.ok(info.bytesInOutput < 400, `${module} is only its stub (${info.bytesInOutput} bytes)`);
    }
    assert.ok(readFileSync(outfile, "utf8").includes(STUB_MARKER), "the stubs' message is in the bundle");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a stubbed MSAL class that is constructed, or a broker that is asked for, fails loudly", async () => {
  const dir = mkdtempSync(join(tmpdir(), "w365-msal-stubs-"));
  const logged = [];
  const consoleError = console.error;
  try {
    const entry = join(dir, "entry.mjs");
    const classes = STUBBED_CLASSES.map((m) => `export { ${m.split("/").pop()} } from ${JSON.stringify(join(DIST, `${m}.mjs`))};`);
    writeFileSync(entry, [...classes, `export * from ${JSON.stringify(join(DIST, `${BROKER_DISCOVERY}.mjs`))};`].join("\n"));
    const outfile = join(dir, "stubs.mjs");
    await build({ entryPoints: [entry], outfile, bundle: true, format: "esm", logLevel: "error", plugins: [msalStubs()] });
    const stubs = await import(pathToFileURL(outfile).href);
    console.error = (message) => logged.push(String(message));

    for (const module of STUBBED_CLASSES) {
      const name = module.split("/").pop();
      assert.throws(() => new stubs[name]({}), (e) => e.message.includes(STUB_MARKER) && e.message.includes(name), name);
    }
    assert.equal(stubs.isPlatformAuthAllowed({ system: { allowPlatformBroker: false }, experimental: {} }), false, "broker off: not allowed, as MSAL answers");
    assert.throws(() => stubs.isPlatformAuthAllowed({ system: { allowPlatformBroker: true } }), (e) => e.message.includes(STUB_MARKER));
    await assert.rejects(stubs.getPlatformAuthProvider(), (e) => e.message.includes(STUB_MARKER));
    assert.equal(await stubs.isPlatformBrokerAvailable(), false);
    assert.equal(logged.filter((m) => m.includes(STUB_MARKER)).length, STUBBED_CLASSES.length + 2, "each one also said so on the console");
  } finally {
    console.error = consoleError;
    rmSync(dir, { recursive: true, force: true });
  }
});
