// Shared by the browser extension's end-to-end tests: Chromium with the unpacked
// extension (configured as an admin would), Microsoft's hosts mapped onto the
// emulator, the app page it opens, what it could have persisted, and the token
// endpoint's log.
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, MICROSOFT_HOSTS, PRODUCTION_CONFIG, assertNoMsalStubHit, loggedRequests, watchMsalStubs } from "./support.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const UNPACKED = join(ROOT, "target", "extension", "unpacked");
/** Fixed by the manifest's `key`; its redirect URI is registered in every scenario. */
export const EXTENSION_ID = "jnggalibfkfhgecgdpkejcbcgjjfhian";

/** The extension's redirect URI (`chrome.identity.getRedirectURL()`), registered in every scenario. */
export const EXTENSION_REDIRECT = `https://${EXTENSION_ID}.chromiumapp.org/`;

/** Chromium with the unpacked extension, its config.json being `config`. */
export async function launchWithExtension(emulator, { config = PRODUCTION_CONFIG } = {}) {
  // The extension as an admin would load it, with the tool's client id configured.
  const dir = mkdtempSync(join(tmpdir(), "w365-ext-"));
  const extension = join(dir, "extension");
  cpSync(UNPACKED, extension, { recursive: true });
  writeFileSync(join(extension, "config.json"), JSON.stringify(config));
  const profile = join(dir, "profile");
  mkdirSync(join(profile, "Default"), { recursive: true });
  writeFileSync(join(profile, "Default", "Preferences"), JSON.stringify({ profile: { cookie_controls_mode: 0 } }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    // Extensions load only in the new headless mode, which Playwright's own
    // `headless: true` does not select.
    headless: false,
    args: [
      ...CHROMIUM_ARGS,
      "--remote-debugging-port=0",
      `--disable-extensions-except=${extension}`,
      `--load-extension=${extension}`,
      `--host-resolver-rules=${MICROSOFT_HOSTS.map((h) => `MAP ${h} 127.0.0.1:${emulator.port}`).join(", ")}`,
    ],
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 800 },
  });
  const port = readFileSync(join(profile, "DevToolsActivePort"), "utf8").split("\n")[0];
  const msalStubHits = watchMsalStubs(context);
  return {
    context,
    cdpEndpoint: `http://127.0.0.1:${port}`,
    cdp: null,
    async close() {
      await this.cdp?.close().catch(() => {});
      await context.close().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
      assertNoMsalStubHit(msalStubHits);
    },
  };
}

/**
 * The app page opened by the extension (side panel or tab). A CDP connection
 * lists the pages that exist when it connects (a side panel opened later does not
 * show up), so it connects anew until the page is there.
 */
export async function waitForAppPage(browser, url, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let seen = [];
  while (Date.now() < deadline) {
    await browser.cdp?.close().catch(() => {});
    browser.cdp = await chromium.connectOverCDP(browser.cdpEndpoint);
    const pages = browser.cdp.contexts().flatMap((c) => c.pages());
    const page = pages.find((p) => p.url() === url);
    if (page) return page;
    seen = pages.map((p) => p.url());
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no page ${url} opened; pages: ${seen.join(", ")}`);
}

/**
 * Everything the extension could have persisted, as seen from one of its pages
 * (or its service worker): the page's sessionStorage and localStorage, and every
 * chrome.storage area the extension can reach (none without the `storage`
 * permission).
 */
export function persistedStorage(target) {
  return target.evaluate(async () => {
    const dump = (storage) => storage ? Object.entries({ ...storage }) : null;
    const areas = {};
    for (const area of ["local", "session", "sync", "managed"]) {
      const store = globalThis.chrome?.storage?.[area];
      if (store) areas[area] = await store.get(null).catch((e) => ({ unreadable: String(e) }));
    }
    return {
      sessionStorage: dump(globalThis.sessionStorage),
      localStorage: dump(globalThis.localStorage),
      chromeStorage: globalThis.chrome?.storage ? areas : null,
    };
  });
}

/** A JWT (header.claims…) or one of MSAL's credential types (its cache keys and entries). */
export const TOKEN_LIKE = /eyJ[\w-]+\.eyJ[\w-]+|accesstoken|refreshtoken|idtoken/i;

/** Names the entries that look like tokens, never their values (a failure must not print a token). */
export function assertNoTokens(where, storage) {
  const found = Object.entries(storage).flatMap(([store, entries]) => Object.entries(entries ?? {})
    .filter(([, entry]) => TOKEN_LIKE.test(JSON.stringify(entry)))
    .map(([, entry]) => `${store}: ${Array.isArray(entry) ? entry[0] : "an entry"}`));
  assert.deepEqual(found, [], `${where} holds token-like values`);
}

/** The token endpoint's answered requests, each with its grant type and scope (the emulator's log). */
export function tokenGrants(state) {
  return loggedRequests(state, { method: "POST", host: /^login\.microsoftonline\.com/, path: /\/oauth2\/v2\.0\/token/ })
    .map((r) => ({ status: r.status, ...r.grant }));
}
