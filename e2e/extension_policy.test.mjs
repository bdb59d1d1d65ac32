// Least privilege and no inline script, for the browser extension (issue 5):
// fails when manifest.json asks for a permission other than identity, sidePanel
// or storage, for a host not derived from the configured cloud's hosts
// (`Cloud::allowed_hosts` in the core) plus the admin center, or when any page
// of the built extension carries inline script.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { cloudHosts, hostPermissions, inlineScripts, permissionProblems } from "../js/extension-policy.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const UNPACKED = join(ROOT, "target", "extension", "unpacked");
const hosts = cloudHosts("public");

function htmlFiles(dir, prefix = "") {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory()
    ? htmlFiles(join(dir, e.name), `${prefix}${e.name}/`)
    : e.name.endsWith(".html") ? [`${prefix}${e.name}`] : []));
}

test("manifest.json asks only for identity, sidePanel, storage and the public cloud's hosts plus the admin center", () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, "manifest.json"), "utf8"));
  assert.deepEqual(permissionProblems(manifest, hosts), []);
  // And for every host the app reaches, or it could not sign in or call Dataverse.
  assert.deepEqual(new Set(manifest.host_permissions), new Set(hostPermissions(hosts)));
});

test("the check refuses an extra permission, a broad host and a second content-script site", () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, "manifest.json"), "utf8"));
  const greedy = {
    ...manifest,
    permissions: [...manifest.permissions, "tabs"],
    host_permissions: [...manifest.host_permissions, "<all_urls>"],
    content_scripts: [{ matches: ["https://*/*"], js: ["x.js"] }],
  };
  const problems = permissionProblems(greedy, hosts);
  assert.equal(problems.length, 3, problems.join("\n"));
});

test("the built extension's manifest matches and none of its pages has inline script", () => {
  assert.ok(existsSync(UNPACKED), "target/extension/unpacked is missing: run `node js/extension.mjs` after `trunk build --release`");
  const built = JSON.parse(readFileSync(join(UNPACKED, "manifest.json"), "utf8"));
  assert.deepEqual(permissionProblems(built, hosts), []);
  const pages = htmlFiles(UNPACKED);
  assert.ok(pages.includes("index.html"), `pages: ${pages}`);
  for (const page of pages) {
    assert.deepEqual(inlineScripts(readFileSync(join(UNPACKED, page), "utf8")), [], `${page} has inline script`);
  }
  // The detector itself finds what the browser would refuse.
  assert.equal(inlineScripts('<script type="module">init()</script><button onclick="x()">').length, 2);
});
