//! What every part of a scenario is checked with: GUIDs, and names or ids that must be unique.
//! A refusal names the JSON path and the problem.

use std::collections::HashSet;

use crate::ids::is_guid;

/// Where in the file, and what is wrong.
pub type BuildError = (String, String);

pub fn check_guid(path: String, v: &str) -> Result<(), BuildError> {
    if is_guid(v) {
        Ok(())
    } else {
        Err((path, format!("{v:?} is not a GUID")))
    }
}

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
