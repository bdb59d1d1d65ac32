//! Prints the Work 365 preset (its data centers' app ids, the roles its application user must
//! hold, the product it requires) as JSON, for the end-to-end tests (`e2e/support.mjs`), so
//! that they take these from the core instead of retyping them: one source of truth.
//!
//! `cargo run -q -p w365-core --example preset`

use w365_core::preset::Preset;

fn main() {
    match serde_json::to_string(&Preset::work365()) {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("the preset does not serialise: {e}");
            std::process::exit(1);
        }
    }
}
