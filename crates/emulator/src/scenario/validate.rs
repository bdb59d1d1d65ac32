//! What every part of a scenario is checked with: GUIDs, and names or ids that must be unique.
//! A refusal names the JSON path and the problem.

use std::collections::HashSet;

/// Where in the file, and what is wrong.
pub type BuildError = (String, String);

/// `v` (at `path`) if no earlier one of its kind had the same value, in any case.
pub fn unique<'a>(
    seen: &mut HashSet<String>,
    path: String,
    what: &str,
    v: &'a str,
) -> Result<&'a str, BuildError> {
    if seen.insert(v.to_ascii_lowercase()) {
        Ok(v)
    } else {
        Err((path, format!("duplicate {what} {v:?}")))
    }
}

/// The id at `path`, typed by `parse` (which accepts only a GUID), or why not.
pub fn guid<T>(path: String, v: &str, parse: fn(&str) -> Option<T>) -> Result<T, BuildError> {
    parse(v).ok_or_else(|| (path, format!("{v:?} is not a GUID")))
}
