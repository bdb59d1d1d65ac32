// The Content-Security-Policy: no inline script anywhere, and once config.json
// is read, the browser itself refuses any host outside the configured cloud.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { PRODUCTION_CONFIG, launchBrowser, startEmulator } from "./support.mjs";

const DIST = resolve(import.meta.dirname, "..", "dist");

test("the production build has no inline script and a CSP without unsafe-inline or unsafe-eval", () => {
  for (const page of readdirSync(DIST).filter((f) => f.endsWith(".html"))) {
    const html = readFileSync(join(DIST, page), "utf8");
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${page} has an inline script`);
    const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/);
    assert.ok(csp, `${page} has no CSP`);
    assert.doesNotMatch(csp[1], /unsafe-inline|'unsafe-eval'/, page);
    assert.match(csp[1], /default-src 'none'/, page);
  }
});

test("the page cannot reach a host outside the configured cloud, even one the network would answer", async () => {
  const emulator = await startEmulator({ scenario: "demo", config: PRODUCTION_CONFIG });
  const browser = await launchBrowser(emulator);
  try {
    const page = await browser.context.newPage();
    await page.goto(`${emulator.base}/`);
    await page.getByTestId("sign-in").waitFor();
    // admin.powerplatform.microsoft.com is mapped onto the emulator and would
    // answer; it is not one of the public cloud's API hosts, so the policy refuses it.
    const outcome = await page.evaluate(async () => {
      const violations = [];
      document.addEventListener("securitypolicyviolation", (e) => violations.push(e.violatedDirective));
      let fetched;
      try {
        await fetch("https://admin.powerplatform.microsoft.com/_emulator/state");
        fetched = "answered";
      } catch {
        fetched = "refused";
      }
      await new Promise((r) => setTimeout(r, 100));
      return { fetched, violations };
    });
    assert.equal(outcome.fetched, "refused");
    assert.ok(outcome.violations.includes("connect-src"), JSON.stringify(outcome));
    // The cloud's own hosts stay reachable (discovery is mapped onto the emulator).
    const allowed = await page.evaluate(async () => {
      const r = await fetch("https://globaldisco.crm.dynamics.com/_emulator/state");
      return r.status;
    });
    assert.equal(allowed, 200);
  } finally {
    await browser.close();
    await emulator.stop();
  }
});
