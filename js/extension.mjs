// Assembles the browser extension from the production build: dist/ (the app,
// its loader file, redirect page, config.json) plus manifest.json and
// extension/ (service worker, content script, icons). Writes the unpacked
// folder and the zip for the Chrome Web Store and Edge Add-ons.
//
//   node js/extension.mjs [--config FILE] [--out DIR]
//
// --config replaces dist/config.json (the tool's client id, cloud and, for a
// single-tenant app registration, its tenant); --out
// defaults to target/extension. Run after `trunk build --release`.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { deflateRawSync, crc32 } from "node:zlib";
import { cloudTable, inlineScripts, manifestForCloud, missingForCloud, packageFiles, permissionProblems } from "./extension-policy.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const args = process.argv.slice(2);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const out = resolve(option("--out") ?? join(ROOT, "target", "extension"));
const dist = join(ROOT, "dist");
if (!existsSync(join(dist, "index.html"))) throw new Error("dist/index.html is missing: run `trunk build --release` first");

const configPath = option("--config") ? resolve(option("--config")) : join(dist, "config.json");
const config = JSON.parse(readFileSync(configPath, "utf8"));
const cloud = config.cloud ?? "public";
if (cloud === "custom") throw new Error("the extension's host permissions come from a named cloud; config.json says \"custom\"");

// Host permissions and the content script's sites come from the configured
// cloud's row of the core's cloud table (its hosts, its admin center). The root
// manifest carries the public cloud's, checked here; another cloud gets its own.
// `tenant` (a single-tenant registration's directory) is checked by the same
// rules as the app's; the sign-in host is the cloud's whatever the directory.
const table = cloudTable(cloud, config.tenant);
const root = JSON.parse(readFileSync(join(ROOT, "manifest.json"), "utf8"));
if (cloud === "public") {
  const missing = missingForCloud(root, table);
  if (missing.length) throw new Error(`manifest.json lacks what the app needs: ${missing.join(", ")}`);
}
const manifest = cloud === "public" ? root : manifestForCloud(root, table);
const problems = permissionProblems(manifest, table);
if (problems.length) throw new Error(`manifest.json asks for more than it may:\n  ${problems.join("\n  ")}`);

const unpacked = join(out, "unpacked");
rmSync(unpacked, { recursive: true, force: true });
mkdirSync(unpacked, { recursive: true });
// The static site's redirect page is not needed: chrome.identity takes the answer. Nor are
// the static hosts' header files: extension pages get their policy from the manifest.
const STATIC_ONLY = new Set(["redirect.html", "redirect.js", "_headers", "staticwebapp.config.json"]);
cpSync(dist, unpacked, { recursive: true, filter: (src) => !STATIC_ONLY.has(relative(dist, src)) });
cpSync(join(ROOT, "extension"), join(unpacked, "extension"), { recursive: true });
writeFileSync(join(unpacked, "config.json"), JSON.stringify(config, null, 2) + "\n");
writeFileSync(join(unpacked, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");

const files = packageFiles(unpacked);
for (const file of files.filter((f) => f.endsWith(".html"))) {
  const inline = inlineScripts(readFileSync(join(unpacked, file), "utf8"));
  if (inline.length) throw new Error(`${file} has inline script, which extension pages refuse: ${inline.join(" ")}`);
}

// The stores assign the extension's id (and key) themselves: the zip has no `key`.
const { key: _key, ...storeManifest } = manifest;
const entries = files.map((file) => [file, file === "manifest.json"
  ? Buffer.from(JSON.stringify(storeManifest, null, 2) + "\n")
  : readFileSync(join(unpacked, file))]);
const zipPath = join(out, `w365-appuser-extension-${manifest.version}.zip`);
writeFileSync(zipPath, zip(entries));
console.log(`extension: ${relative(ROOT, unpacked)}/ (${files.length} files), ${relative(ROOT, zipPath)} (${statSync(zipPath).size} bytes); signs in at ${table.authority}`);

// A minimal ZIP writer (deflate, no extra fields, a fixed 1980-01-01 time so the
// same input gives the same bytes).
function zip(items) {
  const locals = [];
  const centrals = [];
  let offset = 0;
  for (const [name, data] of items) {
    const nameBytes = Buffer.from(name, "utf8");
    const packed = deflateRawSync(data, { level: 9 });
    const crc = crc32(data);
    const header = (signature, size) => {
      const b = Buffer.alloc(size);
      b.writeUInt32LE(signature, 0);
      return b;
    };
    const local = header(0x04034b50, 30);
    local.writeUInt16LE(20, 4); // version needed
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    const central = header(0x02014b50, 46);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(0, 12);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    centrals.push(central, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(items.length, 8);
  end.writeUInt16LE(items.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}
