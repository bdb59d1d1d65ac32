// The tenant emulator for the end-to-end tests: started on a free port with a scenario (or a
// changed copy of one), its control plane, and the app configurations it serves.
import { spawn } from "node:child_process";
import { request as httpsRequest } from "node:https";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/** The repository's root. */
export const ROOT = resolve(import.meta.dirname, "..", "..");

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
