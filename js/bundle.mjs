// Bundles the MSAL bridge and the redirect page's script with esbuild, from
// node_modules only: nothing is fetched. Output goes to js/dist (ignored by git),
// which must exist before `cargo build` because wasm-bindgen imports it.
import { build } from "esbuild";

const common = {
  bundle: true,
  minify: true,
  format: "esm",
  target: ["chrome120", "edge120"],
  legalComments: "none",
  logLevel: "warning",
};

await Promise.all([
  build({ ...common, entryPoints: ["js/bridge.js"], outfile: "js/dist/bridge.js" }),
  build({ ...common, entryPoints: ["js/redirect.js"], outfile: "js/dist/redirect.js" }),
]);
