// Shared harness for the end-to-end tests: starts the tenant emulator with a
// scenario, and Debian's Chromium (through playwright-core) either mapped onto
// the emulator with Microsoft's real host names, or plain (for the demo mode).
import { spawn } from "node:child_process";
import { request as httpsRequest } from "node:https";
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { chromium } from "playwright-core";

const ROOT = resolve(import.meta.dirname, "..");
export const ARTIFACTS = join(ROOT, "e2e", "artifacts");
const EMULATOR = join(ROOT, "target", "debug", "w365-emulator");

/** The SPA client id registered in the demo tenant; tests use it as the tool's own. */
export const CLIENT_ID = "0c1f3f6e-9a77-4c57-9a7c-3b2d4a6f5e10";
export const ADMIN = "admin@contoso.onmicrosoft.com";

/**
 * Starts the emulator on a free port, serving the production build from dist/.
 * `config` is what /config.json answers (written to a temp file), or null to
 * serve dist's own config.json untouched.
 */
export async function startEmulator({ scenario = "demo", config = null, latencyMs = 0 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "w365-e2e-"));
  const args = ["--scenario", scenario, "--port", "0", "--static", join(ROOT, "dist")];
  if (latencyMs) args.push("--latency-ms", String(latencyMs));
  let configPath = null;
  if (config) {
    configPath = join(dir, "config.json");
    args.push("--app-config", configPath);
  }
  // The port is only known once the emulator listens; config.json is read per
  // request, so it can be written after start.
  const child = spawn(EMULATOR, args, { stdio: ["ignore", "pipe", "inherit"] });
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
    async state() {
      return JSON.parse((await control(base, "GET", "/_emulator/state")).body);
    },
    async fault(spec) {
      const response = await control(base, "POST", "/_emulator/faults", spec);
      if (response.status >= 300) throw new Error(`fault refused: ${response.status} ${response.body}`);
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

const MICROSOFT_HOSTS = [
  "login.microsoftonline.com",
  "*.dynamics.com",
  "graph.microsoft.com",
  "admin.powerplatform.microsoft.com",
];

/**
 * Launches Debian's Chromium headless with a fresh profile. With `mapHosts`,
 * Microsoft's host names resolve to the emulator, so the app keeps its production
 * configuration. The profile allows third-party cookies so that ssoSilent's hidden
 * iframe can carry the sign-in session, as a browser that allows them would.
 */
export async function launchBrowser(emulator, { mapHosts = true } = {}) {
  // Chromium does not sandbox as root; its own flags for a closed network.
  const args = [
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
  return {
    context,
    requests,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
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
