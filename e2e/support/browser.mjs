// Debian's Chromium (through playwright-core), mapped onto the emulator with Microsoft's real
// host names or plain (for the demo mode), and what is checked on the browser's side: the
// hosts it asked, accessibility, screenshots and downloads.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { STUB_MARKER } from "../../js/msal_stubs.mjs";
import { ADMIN, PRODUCTION_CONFIG, ROOT, startEmulator } from "./emulator.mjs";

export const ARTIFACTS = join(ROOT, "e2e", "artifacts");

/**
 * Debian's Chromium, headless, for this machine: no sandbox (we run as root),
 * no background traffic into the closed network, and the emulator's self-signed
 * certificate accepted.
 */
export const CHROMIUM_ARGS = [
  "--headless=new",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
  "--ignore-certificate-errors",
];

/**
 * Microsoft's host names that Chromium resolves to the emulator: the public cloud's, and
 * US Government (GCC High)'s for the tests that choose that cloud (the emulator routes every
 * cloud by Host header).
 */
export const MICROSOFT_HOSTS = [
  "login.microsoftonline.com",
  "*.dynamics.com",
  "graph.microsoft.com",
  "admin.powerplatform.microsoft.com",
  "login.microsoftonline.us",
  "*.microsoftdynamics.us",
  "graph.microsoft.us",
];

/**
 * Launches Debian's Chromium headless with a fresh profile. With `mapHosts`,
 * Microsoft's host names resolve to the emulator, so the app keeps its production
 * configuration. The profile allows third-party cookies so that ssoSilent's hidden
 * iframe can carry the sign-in session, as a browser that allows them would.
 */
export async function launchBrowser(emulator, { mapHosts = true, extraArgs = [] } = {}) {
  const args = [...CHROMIUM_ARGS, ...extraArgs];
  if (mapHosts) {
    const rules = MICROSOFT_HOSTS.map((host) => `MAP ${host} 127.0.0.1:${emulator.port}`).join(", ");
    args.push(`--host-resolver-rules=${rules}`);
  }
  const profile = mkdtempSync(join(tmpdir(), "w365-chromium-"));
  mkdirSync(join(profile, "Default"), { recursive: true });
  writeFileSync(join(profile, "Default", "Preferences"), JSON.stringify({ profile: { cookie_controls_mode: 0 } }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    args,
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 800 },
  });
  const requests = [];
  context.on("request", (request) => requests.push(request.url()));
  const msalStubHits = watchMsalStubs(context);
  return {
    context,
    requests,
    /** Closes the browser; then fails if a page reached a part of MSAL left out of the build. */
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
      assertNoMsalStubHit(msalStubHits);
    },
  };
}

/**
 * Messages of any page of `context` saying it reached a part of MSAL the bundle leaves out
 * (js/msal_stubs.mjs): a stub prints its message before it throws, so it shows here even when
 * MSAL catches the error.
 */
export function watchMsalStubs(context) {
  const hits = [];
  const note = (text) => {
    if (text.includes(STUB_MARKER)) hits.push(text);
  };
  context.on("console", (message) => note(message.text()));
  context.on("weberror", (error) => note(String(error.error()?.message ?? "")));
  return hits;
}

/** Throws (marked `msalStub`) when `hits` holds any stub message. */
export function assertNoMsalStubHit(hits) {
  if (hits.length === 0) return;
  throw Object.assign(new Error(`the app reached a part of MSAL this build leaves out: ${[...new Set(hits)].join("; ")}`), { msalStub: true });
}

/** Signs in through the emulator's Entra sign-in page, opened by MSAL as a popup. */
export async function signInWithPopup(page, upn = ADMIN) {
  const popupPromise = page.context().waitForEvent("page");
  await page.getByTestId("sign-in").click();
  const popup = await popupPromise;
  await popup.waitForLoadState("domcontentloaded");
  await popup.locator(`[data-upn="${upn}"]`).click();
  return popup;
}

export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Starts an emulator and a browser mapped onto it, opens a page, and registers
 * cleanup on the test `t`. Returns { emulator, browser, page }.
 */
export async function openSession(t, { scenario = "demo", latencyMs = 0, config = PRODUCTION_CONFIG, extraArgs = [] } = {}) {
  // A scenario given as a file (scenarioVariant) is read by the emulator as a path.
  const emulator = await startEmulator({ scenario, config, latencyMs });
  let browser;
  try {
    browser = await launchBrowser(emulator, { extraArgs });
  } catch (error) {
    await emulator.stop();
    throw error;
  }
  t.after(async () => {
    try {
      await browser.close();
    } catch (error) {
      if (error.msalStub) throw error;
    } finally {
      await emulator.stop();
    }
  });
  const page = await browser.context.newPage();
  page.setDefaultTimeout(20_000);
  return { emulator, browser, page };
}

// --- the browser's own request log ------------------------------------------

/** Hosts the public cloud may be reached on (issue 4 §9), plus the app's own origin. */
const PUBLIC_CLOUD_HOST = /^(login\.microsoftonline\.com|globaldisco\.crm\.dynamics\.com|graph\.microsoft\.com|[a-z0-9-]+\.crm\d*\.dynamics\.com)$/;

/** Asserts the browser never asked a host outside the configured cloud and the app origin. */
export function assertOnlyCloudHosts(assert, browser, emulator) {
  const appHost = `127.0.0.1:${emulator.port}`;
  const foreign = [...new Set(browser.requests
    .filter((url) => /^https?:/.test(url))
    .map((url) => new URL(url).host))]
    .filter((host) => host !== appHost && !PUBLIC_CLOUD_HOST.test(host));
  assert.deepEqual(foreign, [], "requests left the configured cloud's hosts");
}

// --- accessibility ----------------------------------------------------------

const AXE = join(ROOT, "node_modules", "axe-core", "axe.min.js");

/**
 * Runs axe-core on the page (WCAG 2 A/AA rules) and asserts no serious or critical
 * violation. Returns all violations for the report.
 */
export async function assertAccessible(assert, page, label) {
  // Evaluated through the DevTools protocol: the page's CSP (rightly) refuses an injected <script>.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(readFileSync(AXE, "utf8"));
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const run = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return run.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  const severe = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(severe, [], `${label}: axe found serious/critical violations`);
  return result;
}

// --- downloads --------------------------------------------------------------

/** Clicks a download hook and returns the downloaded file's name and text. */
export async function download(page, testId) {
  const [file] = await Promise.all([page.waitForEvent("download"), page.getByTestId(testId).click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: readFileSync(path, "utf8") };
}

/** A viewport-size screenshot (for the README; small). */
export async function viewportScreenshot(page, path) {
  await page.screenshot({ path, fullPage: false });
}
