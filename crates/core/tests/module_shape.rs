//! The core's source keeps its shape: no module names another that (through any chain of
//! modules) names it back, and no source file is over 500 lines. See `support/modules.rs`
//! for what counts as naming a module.

#[path = "support/modules.rs"]
mod modules;

use std::path::Path;

const MAX_LINES: usize = 500;

#[test]
fn no_module_of_the_core_depends_on_itself_through_others() {
    let files = modules::read_crate(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let deps = modules::dependencies(&files);
    let cycles = modules::cycles(&deps);
    let text: Vec<String> = cycles
        .iter()
        .map(|g| format!("{}:\n{}", g.join(", "), modules::describe(g, &deps)))
        .collect();
    assert!(cycles.is_empty(), "module cycles:\n{}", text.join("\n"));
}

#[test]
fn no_source_file_of_the_core_is_over_500_lines() {
    let files = modules::read_crate(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    let long: Vec<String> = files
        .iter()
        .filter(|f| f.lines > MAX_LINES)
        .map(|f| format!("{} ({} lines)", f.path.display(), f.lines))
        .collect();
    assert!(long.is_empty(), "over {MAX_LINES} lines: {long:?}");
}
