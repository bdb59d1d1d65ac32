//! Splits the app's linked wasm (as rustc wrote it, with `--emit-relocs`) at its
//! `wasm_split` points, before wasm-bindgen sees it:
//!
//! ```text
//! w365-wasm-split <input.wasm> <out-dir> <main-module>
//! ```
//!
//! Writes to `<out-dir>`: `main.wasm` (the first-screen module, for wasm-bindgen), one
//! `.wasm` per lazily loaded chunk, and `__wasm_split.js`, the loader those chunks are
//! fetched by. `<main-module>` is how that loader imports wasm-bindgen's glue (it takes
//! the main instance's exports from its `initSync`). Prints what it wrote as JSON:
//! `{"main": path, "loader": path, "chunks": [path…], "prefetch": {split: [chunk…]}}`.
//! `js/split.mjs` runs this, then wasm-bindgen and wasm-opt (README, "How the production
//! build is made").
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: w365-wasm-split <input.wasm> <out-dir> <main-module>";
const LOADER: &str = "__wasm_split.js";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out_dir, main_module] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    match split(Path::new(input), Path::new(out_dir), main_module) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("w365-wasm-split: {message}");
            ExitCode::FAILURE
        }
    }
}

fn split(input: &Path, out_dir: &Path, main_module: &str) -> Result<serde_json::Value, String> {
    let wasm = std::fs::read(input).map_err(|e| format!("cannot read {}: {e}", input.display()))?;
    std::fs::create_dir_all(out_dir)
        .map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let main_out = out_dir.join("main.wasm");
    let link_name = format!("./{LOADER}");
    let mut options = wasm_split_cli_support::Options::new(&wasm);
    options.output_dir = out_dir;
    options.main_out_path = &main_out;
    options.link_name = &link_name;
    options.main_module = main_module;
    // `{:?}` keeps eyre's chain of causes; the first line alone rarely says enough.
    let split = wasm_split_cli_support::transform(options).map_err(|e| format!("{e:?}"))?;
    let text = |p: &PathBuf| p.display().to_string();
    Ok(serde_json::json!({
        "main": text(&main_out),
        "loader": text(&out_dir.join(LOADER)),
        "chunks": split.split_modules.iter().map(text).collect::<Vec<_>>(),
        "prefetch": split.prefetch_map,
    }))
}
