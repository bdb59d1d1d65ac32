// Bundles the MSAL bridge and the redirect page's script with esbuild, from
// node_modules only: nothing is fetched. Output goes to js/dist (ignored by git),
// which must exist before `cargo build` because wasm-bindgen imports it.
// The bridge's bundle leaves out the parts of MSAL it can never reach (js/msal_stubs.mjs).
import { build } from "esbuild";
import { msalStubs } from "./msal_stubs.mjs";

const common = {
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome120", "edge120"],
  legalComments: "none",
  logLevel: "warning",
};

await Promise.all([
  build({ ...common, entryPoints: ["js/bridge.js"], outfile: "js/dist/bridge.js", plugins: [msalStubs()] }),
  build({ ...common, entryPoints: ["js/redirect.js"], outfile: "js/dist/redirect.js" }),
]);
