//! How far the admin got in the Work 365 switch guide, kept in sessionStorage so that a
//! reload resumes the guide at the first step not yet confirmed.
//!
//! Separate from the run record (`store`): the guide runs inside a setup run that is only
//! recorded once it ends, and a reload ends it early. Holds an EnvironmentId and a count,
//! nothing of the sign-in.

use serde::{Deserialize, Serialize};

/// The sessionStorage key.
pub const KEY: &str = "w365-appuser.guide";

#[derive(Serialize, Deserialize)]
struct Progress {
    environment_id: String,
    confirmed: usize,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// Guide steps confirmed in `environment_id`'s run (0 when none, or another environment's).
pub fn confirmed(environment_id: &str) -> usize {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|text| serde_json::from_str::<Progress>(&text).ok())
        .filter(|p| p.environment_id == environment_id)
        .map_or(0, |p| p.confirmed)
}

/// Notes that `confirmed` steps are confirmed; a full or blocked storage only costs the
/// resume, so errors are ignored.
pub fn save(environment_id: &str, confirmed: usize) {
    let progress = Progress {
        environment_id: environment_id.to_owned(),
        confirmed,
    };
    if let (Some(s), Ok(text)) = (storage(), serde_json::to_string(&progress)) {
        let _ = s.set_item(KEY, &text);
    }
}

/// Forgets the progress (the run ended, or sign-out).
pub fn clear() {
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
    }
}
