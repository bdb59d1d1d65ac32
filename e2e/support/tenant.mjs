// The emulator's tenant as its state shows it (environments, application users, the roles they
// hold) and its request log, with the Work 365 preset taken from the core.
import { execFileSync } from "node:child_process";
import { ROOT } from "./emulator.mjs";

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

/**
 * Writes to Dataverse or Graph (the token endpoint's POSTs are not writes, nor is a `$batch`
 * envelope: the writes it carried are logged as its parts).
 */
export function tenantWrites(state, { since = 0 } = {}) {
  return state.requests.filter((r) => r.seq > since && WRITE_METHODS.has(r.method)
    && !/^login\./.test(r.host) && !/\/oauth2\//.test(r.path) && !/\/\$batch$/.test(r.path));
}

/** The create-application-user request: `POST …/systemusers` (no id). */
export const CREATE_USER = /\/api\/data\/v9\.\d\/systemusers(\?.*)?$/;
/** A role association: `POST …/systemusers(id)/systemuserroles_association/$ref`. */
export const ASSOCIATE_ROLE = /\/systemusers\([^)]+\)\/systemuserroles_association\/\$ref$/;
/** The last sequence number of the log, to count what happens after a point. */
export const lastSeq = (state) => state.requests.reduce((max, r) => Math.max(max, r.seq), 0);
