// Parts of MSAL the bridge can never reach with its configuration, left out of the bundle
// (esbuild plugin, used by js/bundle.mjs): the platform broker (WAM and the browser-extension
// broker: `system.allowPlatformBroker` is never set, so MSAL never asks for one) and the
// redirect flow (the bridge signs in with a popup, the extension through chrome.identity;
// MSAL 5 refuses the redirect flow with memoryStorage anyway). Together 10.8 KB gzip of the
// first screen (BENCHMARKS.md, "Where the first screen's bytes go").
//
// The stubs name MSAL's internal module paths, so they are written for one MSAL version:
// MSAL_VERSION, which package.json pins exactly (e2e/msal_bundle.test.mjs checks all three
// agree and that every stubbed path exists). A stubbed class that is ever constructed, or a
// broker check that is ever asked with the broker on, says so on the console (the e2e
// harness fails the test that saw it) and throws: MSAL then fails loudly instead of running
// without a part it needed.
import { readFileSync } from "node:fs";

/** The MSAL release these stubs were written against. */
export const MSAL_VERSION = "5.30.0";

/** Modules whose every export is a class that must never be constructed. */
export const STUBBED_CLASSES = [
  "broker/nativeBroker/PlatformAuthExtensionHandler",
  "broker/nativeBroker/PlatformAuthDOMHandler",
  "interaction_client/PlatformAuthInteractionClient",
  "interaction_client/RedirectClient",
];

/** The broker discovery: with the broker off, MSAL only ever gets "not available" from it. */
export const BROKER_DISCOVERY = "broker/nativeBroker/PlatformAuthProvider";

/** What a stub prints and throws; the e2e harness looks for it on every page's console. */
export const STUB_MARKER = "left out of this build (js/msal_stubs.mjs)";

const escape = (path) => path.replace(/[/.]/g, (c) => `\\${c}`);

/** The esbuild plugin. */
export function msalStubs() {
  const filter = new RegExp(`@azure[\\\\/]msal-browser[\\\\/]dist[\\\\/](${[...STUBBED_CLASSES, BROKER_DISCOVERY].map(escape).join("|")})\\.mjs$`);
  return {
    name: "msal-stubs",
    setup(build) {
      build.onLoad({ filter }, (args) => {
        const path = args.path.replace(/\\/g, "/");
        const hit = (what) => `{ const m = ${JSON.stringify(`MSAL's ${what} was needed but is ${STUB_MARKER}`)}; console.error(m); throw new Error(m); }`;
        if (path.endsWith(`${BROKER_DISCOVERY}.mjs`)) {
          return {
            loader: "js",
            contents: [
              "export function isPlatformAuthAllowed(config) {",
              `  if (config?.system?.allowPlatformBroker || config?.experimental?.allowPlatformBrokerWithDOM) ${hit("platform broker")}`,
              "  return false;",
              "}",
              `export async function getPlatformAuthProvider() ${hit("platform broker")}`,
              "export async function isPlatformBrokerAvailable() { return false; }",
            ].join("\n"),
          };
        }
        const names = exportedNames(readFileSync(args.path, "utf8"));
        if (names.length === 0) throw new Error(`msal_stubs: ${args.path} exports nothing; is MSAL still ${MSAL_VERSION}?`);
        return {
          loader: "js",
          contents: names.map((name) => `export class ${name} { constructor() ${hit(name)} }`).join("\n"),
        };
      });
    },
  };
}

/** The names a module of MSAL's exports (`export { A, B as C };`). */
export function exportedNames(source) {
  return [...source.matchAll(/export\s*\{([^}]*)\}/g)]
    .flatMap((m) => m[1].split(","))
    .map((n) => n.trim().split(/\s+as\s+/).pop())
    .filter(Boolean);
}
