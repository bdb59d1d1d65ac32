// Least privilege and no inline script, for the browser extension (issue 5):
// fails when manifest.json asks for a permission other than identity, sidePanel
// or storage, for a host not among the configured cloud's hosts (the core's
// cloud table, `Cloud::allowed_hosts`), runs its content script anywhere but
// that cloud's admin center (`Cloud::admin_center`), or when any page of the
// built extension carries inline script.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  cloudTable, contentScriptMatches, cspSourceAdmits, hostPermissions, inlineScripts, manifestForCloud, matchPatternAdmits,
  missingForCloud, packageFiles, permissionProblems,
} from "../js/extension-policy.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const UNPACKED = join(ROOT, "target", "extension", "unpacked");
const CLOUDS = ["public", "gcc", "gcc-high", "dod", "china"];
const tables = Object.fromEntries(CLOUDS.map((cloud) => [cloud, cloudTable(cloud)]));
const publicCloud = tables.public;
const rootManifest = () => JSON.parse(readFileSync(join(ROOT, "manifest.json"), "utf8"));

test("manifest.json asks only for identity, sidePanel, storage and the public cloud's hosts, with the content script on its admin center", () => {
  const manifest = rootManifest();
  assert.deepEqual(permissionProblems(manifest, publicCloud), []);
  // And for every host the app reaches, or it could not sign in or call Dataverse.
  assert.deepEqual(missingForCloud(manifest, publicCloud), []);
  assert.deepEqual(new Set(manifest.host_permissions), new Set(hostPermissions(publicCloud)));
  assert.deepEqual(manifest.content_scripts.map((s) => s.matches), [["https://admin.powerplatform.microsoft.com/*"]]);
  assert.ok(!manifest.host_permissions.some((h) => h.includes("admin.powerplatform")),
    "the content script's matches suffice on the admin center: no host permission for it");
});

test("each government cloud's build runs the content script on that cloud's admin center only; China, without a documented one, has none", () => {
  const expected = {
    public: ["https://admin.powerplatform.microsoft.com/*"],
    gcc: ["https://gcc.admin.powerplatform.microsoft.us/*"],
    "gcc-high": ["https://high.admin.powerplatform.microsoft.us/*"],
    dod: ["https://admin.appsplatform.us/*"],
    china: [],
  };
  for (const cloud of CLOUDS) {
    const table = tables[cloud];
    const manifest = manifestForCloud(rootManifest(), table);
    assert.deepEqual(permissionProblems(manifest, table), [], cloud);
    assert.deepEqual(missingForCloud(manifest, table), [], cloud);
    assert.deepEqual(contentScriptMatches(table), expected[cloud], cloud);
    assert.deepEqual((manifest.content_scripts ?? []).flatMap((s) => s.matches), expected[cloud], cloud);
    assert.deepEqual(manifest.host_permissions, hostPermissions(table), cloud);
    // Another cloud's admin center is refused.
    for (const other of CLOUDS.filter((c) => c !== cloud && expected[c].length)) {
      const foreign = { ...manifest, content_scripts: [{ matches: expected[other], js: ["extension/content.js"] }] };
      assert.equal(permissionProblems(foreign, table).length, 1, `${cloud} with ${other}'s admin center`);
    }
  }
});

test("every public-cloud data-center region is reachable, including ones Microsoft adds later, and nothing outside its Dynamics domain", () => {
  const manifest = rootManifest();
  const permits = (url) => manifest.host_permissions.some((p) => matchPatternAdmits(p, url));
  const policy = (url) => publicCloud.hosts.some((source) => cspSourceAdmits(source, url));
  const regions = ["crm", "crm2", "crm4", "crm11", "crm21", "crm22", "crm30"];
  for (const region of regions) {
    const url = `https://contoso.${region}.dynamics.com/api/data/v9.2/WhoAmI`;
    assert.ok(permits(url), `host permissions miss ${url}`);
    assert.ok(policy(url), `connect-src misses ${url}`);
  }
  for (const url of ["https://evil.com/", "https://x.dynamics.com.evil.com/", "https://dynamics.com.evil.com/", "http://x.crm.dynamics.com/", "https://x.crm.dynamics.cn/"]) {
    assert.ok(!permits(url), `host permissions admit ${url}`);
    assert.ok(!policy(url), `connect-src admits ${url}`);
  }
  // One pattern for every region (CSP and match patterns allow `*` only as a leading label).
  assert.deepEqual(manifest.host_permissions.filter((p) => p.startsWith("https://*.")), ["https://*.dynamics.com/*"]);
  // GCC's build stays within crm9; GCC High within its own domain.
  assert.ok(tables.gcc.hosts.some((s) => cspSourceAdmits(s, "https://agency.crm9.dynamics.com/")));
  assert.ok(!tables.gcc.hosts.some((s) => cspSourceAdmits(s, "https://agency.crm22.dynamics.com/")));
  assert.ok(!tables["gcc-high"].hosts.some((s) => cspSourceAdmits(s, "https://x.crm.dynamics.com/")));
});

test("the extension's sign-in authority follows config.json's tenant, checked as the app checks it", () => {
  assert.equal(publicCloud.authority, "https://login.microsoftonline.com/organizations");
  assert.equal(cloudTable("public", "Contoso.OnMicrosoft.com").authority, "https://login.microsoftonline.com/contoso.onmicrosoft.com");
  assert.equal(cloudTable("gcc-high", "8F3C2A1E-5B7D-4E9A-9C1F-2D6E8A4B7C30").authority,
    "https://login.microsoftonline.us/8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30");
  assert.throws(() => cloudTable("public", "https://login.microsoftonline.com/contoso.com"));
});

test("the check refuses an extra permission, a broad host, a second content-script site and a script in every frame", () => {
  const manifest = rootManifest();
  const greedy = {
    ...manifest,
    permissions: [...manifest.permissions, "tabs"],
    host_permissions: [...manifest.host_permissions, "<all_urls>", "https://admin.powerplatform.microsoft.com/*"],
    content_scripts: [{ matches: ["https://*/*"], js: ["x.js"], all_frames: true }],
  };
  const problems = permissionProblems(greedy, publicCloud);
  assert.equal(problems.length, 5, problems.join("\n"));
});

test("the built extension's manifest matches and none of its pages has inline script", () => {
  assert.ok(existsSync(UNPACKED), "target/extension/unpacked is missing: run `node js/extension.mjs` after `trunk build --release`");
  const built = JSON.parse(readFileSync(join(UNPACKED, "manifest.json"), "utf8"));
  const config = JSON.parse(readFileSync(join(UNPACKED, "config.json"), "utf8"));
  const table = tables[config.cloud ?? "public"];
  assert.deepEqual(permissionProblems(built, table), []);
  assert.deepEqual(missingForCloud(built, table), []);
  const pages = packageFiles(UNPACKED).filter((file) => file.endsWith(".html"));
  assert.ok(pages.includes("index.html"), `pages: ${pages}`);
  for (const page of pages) {
    assert.deepEqual(inlineScripts(readFileSync(join(UNPACKED, page), "utf8")), [], `${page} has inline script`);
  }
  // The detector itself finds what the browser would refuse.
  assert.equal(inlineScripts('<script type="module">init()</script><button onclick="x()">').length, 2);
});
