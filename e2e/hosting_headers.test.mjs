// The response headers shipped for static hosts (README, "Hosting") say the same thing in each
// host's own format: Azure Static Web Apps (staticwebapp.config.json), Netlify and Cloudflare
// Pages (_headers), nginx (nginx.conf). Each file is read with its host's documented rules
// and the effective headers of every page compared; the build ships the first two in dist/,
// and the emulator serves dist/ under _headers (so every E2E test runs under them).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { get } from "node:https";
import { join, resolve } from "node:path";
import { startEmulator } from "./support.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const HOSTING = join(ROOT, "hosting");
const PATHS = ["/", "/index.html", "/redirect.html", "/config.json", "/loader-0123.js", "/w365-appuser_bg.wasm"];
const lower = (headers) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));

/** _headers: every matching rule applies; values of one header are joined (Cloudflare Pages). */
function netlifyHeaders(path) {
  const rules = [];
  for (const line of readFileSync(join(HOSTING, "_headers"), "utf8").split("\n")) {
    if (!line.trim() || line.trim().startsWith("#")) continue;
    if (!/^\s/.test(line)) rules.push({ pattern: line.trim(), headers: [] });
    else rules.at(-1).headers.push(line.trim().split(/:\s*(.*)/s).slice(0, 2));
  }
  const matches = (pattern) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(path);
  const out = {};
  const seen = {};
  for (const rule of rules.filter((r) => matches(r.pattern))) {
    for (const [name, value] of rule.headers) {
      const key = name.toLowerCase();
      seen[key] = (seen[key] ?? 0) + 1;
      out[key] = out[key] ? `${out[key]}, ${value}` : value;
    }
  }
  // Netlify's rule for one header set by two matching rules is not documented: none may be.
  assert.deepEqual(Object.entries(seen).filter(([, n]) => n > 1), [], `${path}: a header is set by two rules of _headers`);
  return out;
}

/** staticwebapp.config.json: globalHeaders, overridden by the first matching route's headers. */
function azureHeaders(path) {
  const config = JSON.parse(readFileSync(join(HOSTING, "staticwebapp.config.json"), "utf8"));
  const route = (config.routes ?? []).find((r) => r.route === path || (path === "/" && r.route === "/index.html"));
  return lower({ ...config.globalHeaders, ...(route?.headers ?? {}) });
}

/** nginx.conf: server-level add_header, unless the matching `location =` has its own (then only those). */
function nginxHeaders(path) {
  const conf = readFileSync(join(HOSTING, "nginx.conf"), "utf8").replace(/#.*$/gm, "");
  const addHeaders = (text) => Object.fromEntries([...text.matchAll(/add_header\s+(\S+)\s+"([^"]*)"\s+always;/g)]
    .map((m) => [m[1].toLowerCase(), m[2]]));
  const locations = [...conf.matchAll(/location\s*=\s*(\S+)\s*\{([^}]*)\}/g)];
  const server = addHeaders(conf.replace(/location\s*=\s*\S+\s*\{[^}]*\}/g, ""));
  const exact = locations.find((m) => m[1] === path);
  return exact ? addHeaders(exact[2]) : server;
}

test("the three hosting files give every page the same headers", () => {
  for (const path of PATHS) {
    const netlify = netlifyHeaders(path);
    const isDocument = path === "/" || path.endsWith(".html");
    // Frame headers matter on documents only; other files may carry them or not.
    const documentOnly = (headers) => isDocument ? headers : Object.fromEntries(
      Object.entries(headers).filter(([k]) => !["content-security-policy", "x-frame-options"].includes(k)));
    assert.deepEqual(documentOnly(azureHeaders(path)), documentOnly(netlify), `Azure vs _headers on ${path}`);
    assert.deepEqual(documentOnly(nginxHeaders(path)), documentOnly(netlify), `nginx vs _headers on ${path}`);
    assert.equal(netlify["x-content-type-options"], "nosniff", path);
    assert.equal(netlify["referrer-policy"], "no-referrer", path);
  }
  assert.equal(netlifyHeaders("/")["content-security-policy"], "frame-ancestors 'none'");
  assert.equal(netlifyHeaders("/index.html")["x-frame-options"], "DENY");
  assert.equal(netlifyHeaders("/redirect.html")["content-security-policy"], "frame-ancestors 'self'");
  assert.equal(netlifyHeaders("/redirect.html")["x-frame-options"], "SAMEORIGIN");
});

test("the build ships the host files in dist/ and the emulator serves dist/ under _headers", async (t) => {
  for (const file of ["_headers", "staticwebapp.config.json"]) {
    assert.ok(existsSync(join(ROOT, "dist", file)), `dist/${file} is shipped`);
    assert.equal(readFileSync(join(ROOT, "dist", file), "utf8"), readFileSync(join(HOSTING, file), "utf8"), file);
  }
  const emulator = await startEmulator({ scenario: "demo" });
  t.after(() => emulator.stop());
  // The emulator's certificate is self-signed, made at start.
  const head = (path) => new Promise((resolveHead, reject) => {
    get(`${emulator.base}${path}`, { rejectUnauthorized: false }, (res) => {
      res.resume();
      resolveHead({ status: res.statusCode, headers: res.headers });
    }).on("error", reject);
  });
  for (const path of ["/", "/index.html", "/redirect.html", "/config.json"]) {
    const response = await head(path);
    assert.equal(response.status, 200, path);
    const served = {};
    for (const name of ["content-security-policy", "x-frame-options", "x-content-type-options", "referrer-policy"]) {
      if (response.headers[name] !== undefined) served[name] = response.headers[name];
    }
    assert.deepEqual(served, netlifyHeaders(path), `the emulator serves ${path} as _headers says`);
  }
  assert.equal((await head("/_headers")).status, 404, "the headers file is not served");
});
