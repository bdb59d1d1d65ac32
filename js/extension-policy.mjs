// What the browser extension may ask for, and how to check it. Shared by the
// build (js/extension.mjs), which refuses to package a manifest that breaks it,
// and the test (e2e/extension_policy.test.mjs), which fails the test run.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");

/** API permissions the extension may use: sign-in window, side panel, settings. */
export const ALLOWED_PERMISSIONS = ["identity", "sidePanel", "storage"];

/** The admin center, where the content script offers its button. */
export const ADMIN_CENTER = "https://admin.powerplatform.microsoft.com/*";

/**
 * The hosts the app may reach in a named cloud, from the core's cloud table
 * (`Cloud::allowed_hosts`, printed by an example), as CSP sources.
 */
export function cloudHosts(cloud = "public") {
  const out = execFileSync("cargo", ["run", "--quiet", "-p", "w365-core", "--example", "cloud_hosts", "--", cloud], {
    cwd: ROOT,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  return JSON.parse(out).hosts;
}

/** Host permissions for a cloud: its hosts as match patterns, plus the admin center. */
export function hostPermissions(hosts) {
  return [...hosts.map((h) => `${h}/*`), ADMIN_CENTER];
}

/** What is wrong with a manifest's permissions (empty when nothing is). */
export function permissionProblems(manifest, hosts) {
  const allowedHosts = new Set(hostPermissions(hosts));
  const problems = [];
  for (const p of manifest.permissions ?? []) {
    if (!ALLOWED_PERMISSIONS.includes(p)) problems.push(`permission "${p}" is not one of ${ALLOWED_PERMISSIONS.join(", ")}`);
  }
  for (const p of manifest.optional_permissions ?? []) problems.push(`optional permission "${p}" is not allowed`);
  for (const h of [...(manifest.host_permissions ?? []), ...(manifest.optional_host_permissions ?? [])]) {
    if (!allowedHosts.has(h)) problems.push(`host permission "${h}" is not derived from the cloud's hosts or the admin center`);
  }
  for (const script of manifest.content_scripts ?? []) {
    for (const m of script.matches ?? []) {
      if (m !== ADMIN_CENTER) problems.push(`content script matches "${m}", not only the admin center`);
    }
  }
  if (manifest.externally_connectable) problems.push("externally_connectable opens the extension to web pages");
  const csp = manifest.content_security_policy?.extension_pages;
  if (csp !== "script-src 'self' 'wasm-unsafe-eval'; object-src 'self'") problems.push(`extension_pages CSP is ${JSON.stringify(csp)}`);
  return problems;
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
