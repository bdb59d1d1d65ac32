// Trunk post-build hook. First it splits the app's wasm (js/split.mjs): the sign-in
// screen loads only the shell, the signed-in workspace is fetched after sign-in.
// Then it makes the page run under a Content-Security-Policy
// without 'unsafe-inline'. Trunk injects its Wasm loader as an inline module
// script; this moves it into a file of its own (hashed, with SRI like trunk's
// other assets) and puts the CSP <meta> first in <head>. The MV3 extension needs
// the same: extension pages forbid inline scripts outright.
//
// The static policy allows any https endpoint for connect-src/frame-src, because
// the cloud is only known once config.json is read; the app then adds a second,
// narrower policy for the configured cloud's hosts (src/csp.rs). Browsers enforce
// every policy, so the effective one is the narrower.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { splitApp } from "./split.mjs";

const staging = process.env.TRUNK_STAGING_DIR;
if (!staging) throw new Error("postbuild.mjs runs as a trunk post_build hook (TRUNK_STAGING_DIR unset)");

export const STATIC_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' https:",
  "frame-src https:",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
].join("; ");

const indexPath = join(staging, "index.html");
let html = readFileSync(indexPath, "utf8");
html = await splitApp({ staging, html, release: process.env.TRUNK_PROFILE === "release" });
const inline = /<script type="module">([\s\S]*?)<\/script>/;
const match = html.match(inline);
if (!match) throw new Error("trunk's inline loader was not found in index.html");

// Trunk writes absolute asset paths ('/x.js'); relative ones keep the site
// relocatable (a sub-path on a static host, an extension page).
const loader = match[1].replace(/'\/(?=[^'\s]+\.(?:js|wasm)')/g, "'./").trim() + "\n";
const digest = createHash("sha384").update(loader).digest();
const name = `loader-${digest.toString("hex").slice(0, 16)}.js`;
writeFileSync(join(staging, name), loader);
const integrity = `sha384-${digest.toString("base64")}`;

html = html.replace(inline, `<script type="module" src="./${name}" integrity="${integrity}"></script>`);
html = html.replace(/(href|src)="\/(?!\/)/g, '$1="./');
html = html.replace("<head>", `<head>\n    <meta http-equiv="Content-Security-Policy" content="${STATIC_POLICY}" />`);
if (/<script(?![^>]*\bsrc=)[^>]*>/.test(html)) throw new Error("an inline script is left in index.html");
writeFileSync(indexPath, html);

// The redirect page runs only MSAL's redirect bridge (BroadcastChannel, no network).
const redirectPath = join(staging, "redirect.html");
const redirect = readFileSync(redirectPath, "utf8");
writeFileSync(redirectPath, redirect.replace("<head>",
  `<head>\n    <meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'" />`));
