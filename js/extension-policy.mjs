// What the browser extension may ask for, and how to check it. Shared by the
// build (js/extension.mjs), which refuses to package a manifest that breaks it,
// and the test (e2e/extension_policy.test.mjs), which fails the test run.
// Run directly, it checks manifest.json against the public cloud's row:
//
//   node js/extension-policy.mjs
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const ROOT = resolve(import.meta.dirname, "..");

/** Every file below `dir`, as sorted paths relative to it ("a/b.js"). */
export function packageFiles(dir, prefix = "") {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? packageFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

/** API permissions the extension may use: sign-in window, side panel, settings. */
export const ALLOWED_PERMISSIONS = ["identity", "sidePanel", "storage"];

/**
 * A named cloud's row of the core's cloud table, printed by an example:
 * `hosts`, the hosts the app may reach as CSP sources (`Cloud::allowed_hosts`),
 * and `adminCenter`, the Power Platform admin center's origin where the content
 * script offers its button (`Cloud::admin_center`; null where Microsoft
 * documents none, as for China).
 */
export function cloudTable(cloud = "public", tenant = undefined) {
  const args = ["run", "--quiet", "-p", "w365-core", "--example", "cloud_hosts", "--", cloud];
  if (tenant !== undefined) args.push(String(tenant));
  const out = execFileSync("cargo", args, {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  const { hosts, adminCenter, authority } = JSON.parse(out);
  return { cloud, hosts, adminCenter: adminCenter ?? null, authority };
}

/**
 * Whether a Chrome match pattern (`https://host/*`, `https://*.domain/*`) admits `url`.
 * `*.` stands for any subdomain and the domain itself, as Chrome reads it.
 */
export function matchPatternAdmits(pattern, url) {
  const m = pattern.match(/^(https):\/\/(\*|\*\.[^/*]+|[^/*]+)(\/.*)$/);
  if (!m) return false;
  const target = new URL(url);
  if (`${m[1]}:` !== target.protocol) return false;
  const host = target.hostname;
  const ok = m[2] === "*" ? true
    : m[2].startsWith("*.") ? host === m[2].slice(2) || host.endsWith(m[2].slice(1))
      : host === m[2];
  if (!ok) return false;
  const path = new RegExp(`^${m[3].split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return path.test(target.pathname + target.search);
}

/**
 * Whether a CSP host source (`https://host`, `https://*.domain`) admits `url`: `*.` stands
 * for one or more subdomain labels, never the domain itself (CSP Level 3).
 */
export function cspSourceAdmits(source, url) {
  const m = source.match(/^https:\/\/(\*\.)?([^/*:]+)(:\d+)?$/);
  if (!m) return false;
  const target = new URL(url);
  if (target.protocol !== "https:" || (m[3] ?? "") !== (target.port ? `:${target.port}` : "")) return false;
  return m[1] ? target.hostname.endsWith(`.${m[2]}`) : target.hostname === m[2];
}

/** The content script's match patterns: the cloud's admin center, or none. */
export function contentScriptMatches(table) {
  return table.adminCenter ? [`${table.adminCenter}/*`] : [];
}

/**
 * Host permissions: the cloud's hosts as match patterns. The admin center is
 * not among them: the content script's `matches` is all it needs there.
 */
export function hostPermissions(table) {
  return table.hosts.map((h) => `${h}/*`);
}

/**
 * The manifest for a cloud: `manifest` with that cloud's host permissions and
 * content-script matches (no content script where the cloud has no admin center).
 */
export function manifestForCloud(manifest, table) {
  const matches = contentScriptMatches(table);
  const { content_scripts: scripts = [], ...rest } = manifest;
  const out = { ...rest, host_permissions: hostPermissions(table) };
  if (matches.length) out.content_scripts = scripts.map((script) => ({ ...script, matches }));
  return out;
}

/** What is wrong with a manifest's permissions for a cloud (empty when nothing is). */
export function permissionProblems(manifest, table) {
  const allowedHosts = new Set(hostPermissions(table));
  const allowedMatches = new Set(contentScriptMatches(table));
  const problems = [];
  for (const p of manifest.permissions ?? []) {
    if (!ALLOWED_PERMISSIONS.includes(p)) problems.push(`permission "${p}" is not one of ${ALLOWED_PERMISSIONS.join(", ")}`);
  }
  for (const p of manifest.optional_permissions ?? []) problems.push(`optional permission "${p}" is not allowed`);
  for (const h of [...(manifest.host_permissions ?? []), ...(manifest.optional_host_permissions ?? [])]) {
    if (!allowedHosts.has(h)) problems.push(`host permission "${h}" is not one of the ${table.cloud} cloud's hosts`);
  }
  for (const script of manifest.content_scripts ?? []) {
    for (const m of script.matches ?? []) {
      if (!allowedMatches.has(m)) {
        problems.push(`content script matches "${m}", not only the ${table.cloud} cloud's admin center (${[...allowedMatches].join(", ") || "none"})`);
      }
    }
    if (script.all_frames || script.match_about_blank || script.match_origin_as_fallback) {
      problems.push("the content script runs in frames other than the admin center's own page");
    }
    if (script.world === "MAIN") problems.push("the content script runs in the page's own world");
  }
  if (manifest.externally_connectable) problems.push("externally_connectable opens the extension to web pages");
  if (manifest.web_accessible_resources) problems.push("web_accessible_resources exposes extension files to web pages");
  const csp = manifest.content_security_policy?.extension_pages;
  if (csp !== "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'") problems.push(`extension_pages CSP is ${JSON.stringify(csp)}`);
  return problems;
}

/**
 * What the manifest lacks for a cloud: host permissions for hosts the app
 * reaches (without them it could not sign in or call Dataverse) and the
 * content script on the admin center.
 */
export function missingForCloud(manifest, table) {
  const given = new Set(manifest.host_permissions ?? []);
  const matches = new Set((manifest.content_scripts ?? []).flatMap((s) => s.matches ?? []));
  return [
    ...hostPermissions(table).filter((h) => !given.has(h)).map((h) => `host permission "${h}"`),
    ...contentScriptMatches(table).filter((m) => !matches.has(m)).map((m) => `content script on "${m}"`),
  ];
}

/**
 * Inline script in an HTML page: a <script> without src, an on* handler
 * attribute, or a javascript: URL. Extension pages refuse all three.
 */
export function inlineScripts(html) {
  const found = [];
  for (const tag of html.match(/<script\b[^>]*>/gi) ?? []) {
    if (!/\bsrc\s*=/i.test(tag)) found.push(tag);
  }
  for (const attr of html.match(/<[^>]+\son[a-z]+\s*=/gi) ?? []) found.push(attr);
  if (/javascript:/i.test(html)) found.push("javascript: URL");
  return found;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const manifest = JSON.parse(readFileSync(join(ROOT, "manifest.json"), "utf8"));
  const table = cloudTable("public");
  const problems = [...permissionProblems(manifest, table), ...missingForCloud(manifest, table).map((m) => `lacks ${m}`)];
  if (problems.length) {
    console.error(`manifest.json:\n  ${problems.join("\n  ")}`);
    process.exit(1);
  }
  console.log(`manifest.json: ${manifest.permissions.join(", ")}; ${manifest.host_permissions.length} hosts of the public cloud; content script on ${contentScriptMatches(table).join(", ")}`);
}
