// Shared harness for the end-to-end tests: starts the tenant emulator with a
// scenario, and Debian's Chromium (through playwright-core) either mapped onto
// the emulator with Microsoft's real host names, or plain (for the demo mode).
import { execFileSync, spawn } from "node:child_process";
import { request as httpsRequest } from "node:https";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";
import { STUB_MARKER } from "../js/msal_stubs.mjs";

const ROOT = resolve(import.meta.dirname, "..");
export const ARTIFACTS = join(ROOT, "e2e", "artifacts");
const EMULATOR = join(ROOT, "target", "debug", "w365-emulator");
// Benches that measure the app under emulated latency may ask for the optimised build,
// so that the emulator's own work (TLS, RS256, JSON in a debug build) is not what they time.
const EMULATOR_RELEASE = join(ROOT, "target", "release", "w365-emulator");

/** The SPA client id registered in the demo tenant; tests use it as the tool's own. */
export const CLIENT_ID = JSON.parse(
  readFileSync(join(ROOT, "crates", "emulator", "scenarios", "demo.json"), "utf8"),
).spa_apps[0].client_id;
export const ADMIN = "admin@contoso.onmicrosoft.com";

/**
 * Starts the emulator on a free port, serving the production build from dist/.
 * `config` is what /config.json answers (written to a temp file), or null to
 * serve dist's own config.json untouched.
 */
export async function startEmulator({ scenario = "demo", config = null, latencyMs = 0, release = false, dist = join(ROOT, "dist") } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "w365-e2e-"));
  // `dist`: another build of the app to serve (the benches' build with wasm names).
  const args = ["--scenario", scenario, "--port", "0", "--static", dist];
  if (latencyMs) args.push("--latency-ms", String(latencyMs));
  let configPath = null;
  if (config) {
    configPath = join(dir, "config.json");
    args.push("--app-config", configPath);
  }
  // The port is only known once the emulator listens; config.json is read per
  // request, so it can be written after start.
  const child = spawn(release ? EMULATOR_RELEASE : EMULATOR, args, { stdio: ["ignore", "pipe", "inherit"] });
  const base = await new Promise((resolveBase, reject) => {
    let buffered = "";
    const timer = setTimeout(() => reject(new Error("emulator did not start within 30 s")), 30_000);
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      const match = buffered.match(/^LISTENING (https:\/\/127\.0\.0\.1:(\d+))$/m);
      if (match) {
        clearTimeout(timer);
        resolveBase(match[1]);
      }
    });
    child.on("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  const port = Number(new URL(base).port);
  if (configPath) writeFileSync(configPath, JSON.stringify(typeof config === "function" ? config(base) : config));
  return {
    base,
    port,
    pid: child.pid,
    async state() {
      return JSON.parse((await control(base, "GET", "/_emulator/state")).body);
    },
    async fault(spec) {
      const response = await control(base, "POST", "/_emulator/faults", spec);
      if (response.status >= 300) throw new Error(`fault refused: ${response.status} ${response.body}`);
    },
    /** Ends a user's sign-in sessions: refresh tokens and the session cookie stop working. */
    async revokeSignIn(user) {
      const response = await control(base, "POST", "/_emulator/revoke-sign-in", user ? { user } : undefined);
      if (response.status >= 300) throw new Error(`revoke refused: ${response.status} ${response.body}`);
      return JSON.parse(response.body);
    },
    /** The next `count` code redemptions answer with an id token carrying another nonce. */
    async wrongNonce(count = 1) {
      const response = await control(base, "POST", "/_emulator/wrong-nonce", { count });
      if (response.status >= 300) throw new Error(`wrong-nonce refused: ${response.status} ${response.body}`);
    },
    /** Reloads a scenario (and clears the request log and faults). */
    async reset(name) {
      const response = await control(base, "POST", "/_emulator/reset", name ? { scenario: name } : undefined);
      if (response.status >= 300) throw new Error(`reset refused: ${response.status} ${response.body}`);
    },
    async stop() {
      child.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Calls the emulator's control plane; its certificate is self-signed, made at start. */
function control(base, method, path, json) {
  return new Promise((resolveResponse, reject) => {
    const body = json === undefined ? undefined : JSON.stringify(json);
    const req = httpsRequest(`${base}${path}`, {
      method,
      rejectUnauthorized: false,
      headers: body ? { "content-type": "application/json" } : {},
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => { text += chunk; });
      res.on("end", () => resolveResponse({ status: res.statusCode, body: text }));
    });
    req.on("error", reject);
    if (body) req.write(body);
    req.end();
  });
}

/**
 * A shipped scenario changed by `change` (which edits the parsed JSON in place), written to a
 * temporary file whose path `startEmulator({ scenario })` takes like a scenario name.
 */
export function scenarioVariant(name, change) {
  const scenario = JSON.parse(readFileSync(join(ROOT, "crates", "emulator", "scenarios", `${name}.json`), "utf8"));
  change(scenario);
  const dir = mkdtempSync(join(tmpdir(), "w365-scenario-"));
  const path = join(dir, `${name}-variant.json`);
  writeFileSync(path, JSON.stringify(scenario));
  return path;
}

/** Production configuration: Microsoft's public cloud, our client id. */
export const PRODUCTION_CONFIG = { clientId: CLIENT_ID, cloud: "public" };

/** The demo's configuration: a custom cloud under the emulator's own origin. */
export const demoConfig = (base) => ({
  clientId: CLIENT_ID,
  cloud: "custom",
  authority: `${base}/login`,
  discovery: `${base}/disco`,
  graph: `${base}/graph`,
});

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

// ---------------------------------------------------------------------------
// Helpers for the issue-4 suites: sessions, dashboard rows, the emulator's
// request log, the browser's own request log, accessibility, downloads.
// The page is driven only through the `data-testid` hooks of issue 4 §10.

/** Every row status of issue 4 §10 that ends a row's inspection (`unusable`: never inspected). */
export const FINAL_ROW_STATUSES = [
  "not-installed", "no-access", "not-consented", "needs-setup", "configured", "blocked", "error", "unusable",
];

/** The core's Work 365 preset (`cargo run -p w365-core --example preset`): app ids and role names are taken from it, never retyped. */
export const PRESET = JSON.parse(execFileSync("cargo", ["run", "--quiet", "-p", "w365-core", "--example", "preset"], {
  cwd: ROOT,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
}));
/** The roles the application user must hold, in the preset's order (`Work 365 Service`, `Work 365 Portal Service`). */
export const WORK365_ROLES = PRESET.roles;
const appIdOf = (key) => PRESET.data_centers.find((d) => d.key === key).app_id;
export const US_APP_ID = appIdOf("us");
export const EU_APP_ID = appIdOf("eu");

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

/** Opens the app, signs in through the popup, and waits until every row is inspected. */
export async function signInToDashboard(page, emulator, { upn = ADMIN, timeout = 30_000 } = {}) {
  await page.goto(`${emulator.base}/`);
  await page.getByTestId("sign-in").waitFor();
  await signInWithPopup(page, upn);
  return waitForDashboard(page, { timeout });
}

/** Waits until every `env-row` carries a final `data-status`; returns { envId: status }. */
export async function waitForDashboard(page, { timeout = 30_000 } = {}) {
  await page.getByTestId("env-row").first().waitFor({ timeout });
  await page.waitForFunction((finals) => {
    const rows = [...document.querySelectorAll('[data-testid="env-row"]')];
    return rows.length > 0 && rows.every((row) => finals.includes(row.dataset.status));
  }, FINAL_ROW_STATUSES, { timeout, polling: 100 });
  return rowStatuses(page);
}

/** { envId: status } of every row on the page. */
export async function rowStatuses(page) {
  const pairs = await page.getByTestId("env-row").evaluateAll(
    (rows) => rows.map((row) => [row.dataset.envId, row.dataset.status]),
  );
  return Object.fromEntries(pairs);
}

/** The dashboard row of one environment (by EnvironmentId). */
export function envRow(page, envId) {
  return page.locator(`[data-testid="env-row"][data-env-id="${envId}"]`);
}

/** Waits until a row shows `status`; fails with the status it was stuck on. */
export async function waitForRowStatus(page, envId, status, { timeout = 20_000 } = {}) {
  try {
    await page.waitForFunction(([id, wanted]) => {
      const row = document.querySelector(`[data-testid="env-row"][data-env-id="${id}"]`);
      return row?.dataset.status === wanted;
    }, [envId, status], { timeout, polling: 100 });
  } catch (error) {
    const seen = await envRow(page, envId).getAttribute("data-status", { timeout: 1_000 }).catch(() => "no row");
    throw new Error(`row ${envId} did not reach ${status} within ${timeout} ms (it shows ${seen})`, { cause: error });
  }
}

/** Waits until a `step` hook shows `status` (e.g. create-app-user done). */
export async function waitForStep(page, step, status, { timeout = 20_000 } = {}) {
  await page.locator(`[data-testid="step"][data-step="${step}"][data-status="${status}"]`).first().waitFor({ timeout });
}

/** { step: status } of every `step` hook on the page (last one wins per name). */
export async function stepStatuses(page) {
  const pairs = await page.getByTestId("step").evaluateAll(
    (steps) => steps.map((step) => [step.dataset.step, step.dataset.status]),
  );
  return Object.fromEntries(pairs);
}

/** Waits until no `step` is pending or running, and none failed. */
export async function waitForStepsSettled(page, { timeout = 30_000 } = {}) {
  await page.getByTestId("step").first().waitFor({ timeout });
  await page.waitForFunction(() => {
    const steps = [...document.querySelectorAll('[data-testid="step"]')];
    return steps.length > 0 && steps.every((s) => ["done", "skipped", "failed", "unknown"].includes(s.dataset.status));
  }, undefined, { timeout, polling: 100 });
  return stepStatuses(page);
}

// --- the emulator's tenant -------------------------------------------------

/** The emulator environment with this unique name (e.g. `contosoprod`). */
export function environment(state, uniqueName) {
  const env = state.tenant.environments.find((e) => e.unique_name === uniqueName);
  if (!env) throw new Error(`no environment ${uniqueName} in scenario ${state.scenario}`);
  return env;
}

/** The live (not soft-deleted) application user of `appId` in `env`, or undefined. */
export function appUser(env, appId = US_APP_ID) {
  return env.system_users.find((u) => u.applicationid === appId && !u.deletedstate);
}

/** Role names a system user holds, with the business unit of each copy. */
export function heldRoles(env, user) {
  const root = env.business_units.find((bu) => !bu.parent)?.id;
  return user.roles.map((id) => {
    const role = env.roles.find((r) => r.id === id);
    return { name: role?.name, inRoot: role?.business_unit === root };
  });
}

/**
 * Asserts that the environment's application user is configured: enabled, in the
 * root business unit, holding both Work 365 roles there.
 */
export function assertConfigured(assert, env, appId = US_APP_ID) {
  const user = appUser(env, appId);
  assert.ok(user, `${env.unique_name}: an application user for ${appId} exists`);
  assert.equal(user.isdisabled, false, `${env.unique_name}: the application user is enabled`);
  const root = env.business_units.find((bu) => !bu.parent)?.id;
  assert.equal(user.business_unit, root, `${env.unique_name}: the application user is in the root business unit`);
  const names = heldRoles(env, user).filter((r) => r.inRoot).map((r) => r.name).sort();
  for (const role of WORK365_ROLES) assert.ok(names.includes(role), `${env.unique_name}: holds ${role} (holds ${names})`);
  return user;
}

// --- the emulator's request log ---------------------------------------------

const WRITE_METHODS = new Set(["POST", "PATCH", "PUT", "DELETE"]);

/**
 * Requests to Microsoft the emulator logged that match: `method` (string), `path`
 * (RegExp over path+query), `host` (RegExp), `processed` (status 2xx only).
 */
export function loggedRequests(state, { method, path, host, processed = false, since = 0 } = {}) {
  return state.requests.filter((r) => r.seq > since
    && (!method || r.method === method)
    && (!path || path.test(r.path))
    && (!host || host.test(r.host))
    && (!processed || (r.status >= 200 && r.status < 300)));
}

/** Writes to Dataverse or Graph (the token endpoint's POSTs are not writes). */
export function tenantWrites(state, { since = 0 } = {}) {
  return state.requests.filter((r) => r.seq > since && WRITE_METHODS.has(r.method)
    && !/^login\./.test(r.host) && !/\/oauth2\//.test(r.path));
}

/** The create-application-user request: `POST …/systemusers` (no id). */
export const CREATE_USER = /\/api\/data\/v9\.\d\/systemusers(\?.*)?$/;
/** A role association: `POST …/systemusers(id)/systemuserroles_association/$ref`. */
export const ASSOCIATE_ROLE = /\/systemusers\([^)]+\)\/systemuserroles_association\/\$ref$/;
/** The last sequence number of the log, to count what happens after a point. */
export const lastSeq = (state) => state.requests.reduce((max, r) => Math.max(max, r.seq), 0);

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

// --- flows, as src/ui/README.md describes them --------------------------------

/**
 * Opens the app in `page` and gets to the dashboard: ssoSilent may sign in on its
 * own (a Microsoft session cookie exists), else the sign-in popup is used.
 */
export async function openDashboard(page, emulator, { upn = ADMIN, timeout = 30_000 } = {}) {
  await page.goto(`${emulator.base}/`);
  await page.locator('[data-testid="sign-in"], [data-testid="env-row"], [data-testid="no-environments"]').first().waitFor({ timeout });
  if (await page.getByTestId("sign-in").isVisible()) await signInWithPopup(page, upn);
  return waitForDashboard(page, { timeout });
}

/** Opens one environment's view from the dashboard. */
export async function openEnvironment(page, envId) {
  await envRow(page, envId).getByTestId("env-open").click();
  await page.locator(`[data-testid="environment"][data-env-id="${envId}"]`).waitFor();
}

/** Waits for the plan; returns { writes, steps: [data-step…], text }. */
export async function readPlan(page, { timeout = 20_000 } = {}) {
  const plan = page.getByTestId("plan");
  await plan.waitFor({ timeout });
  return {
    writes: Number(await plan.getAttribute("data-writes")),
    steps: await plan.getByTestId("plan-step").evaluateAll((els) => els.map((el) => el.dataset.step)),
    text: await plan.innerText(),
  };
}

/** Waits for the run's `outcome`; returns its `data-outcome`. */
export async function waitForOutcome(page, { timeout = 30_000 } = {}) {
  const outcome = page.getByTestId("outcome");
  await outcome.waitFor({ timeout });
  return outcome.getAttribute("data-outcome");
}

/** Confirms every guide step; returns how many were confirmed. */
export async function confirmGuide(page, { max = 10 } = {}) {
  await page.getByTestId("guide").waitFor();
  let confirmed = 0;
  while (confirmed < max && await page.getByTestId("guide-confirm").isVisible()) {
    await page.getByTestId("guide-confirm").click();
    confirmed += 1;
    await page.waitForTimeout(50);
  }
  return confirmed;
}

/** Secret-looking material in a report: JWTs (and anything named a token with a value). */
export function assertNoSecrets(assert, text, what) {
  assert.doesNotMatch(text, /eyJ[A-Za-z0-9_-]{8,}/, `${what} contains a JWT`);
  assert.doesNotMatch(text, /"(access_?token|id_?token|refresh_?token)"\s*:\s*"[^"]+"/i, `${what} contains a token field`);
}

/**
 * Waits for the read-back (`evidence`), then answers the guide (`skip` stops it,
 * `confirm` confirms every step), and returns the run's `data-outcome`: the core
 * ends a setup run only after the guide.
 */
export async function finishRun(page, { guide = "skip", timeout = 30_000 } = {}) {
  await page.locator('[data-testid="evidence"], [data-testid="outcome"], [data-testid="error"]').first().waitFor({ timeout });
  if (await page.getByTestId("evidence").isVisible()) {
    await page.locator('[data-testid="guide"], [data-testid="outcome"]').first().waitFor({ timeout });
    if (await page.getByTestId("guide").isVisible()) {
      if (guide === "confirm") await confirmGuide(page);
      else if (await page.getByTestId("guide-skip").isVisible()) await page.getByTestId("guide-skip").click();
    }
  }
  return waitForOutcome(page, { timeout });
}
