//! How far the admin got in the Work 365 switch guide, kept in sessionStorage so that a
//! reload resumes the guide at the first step not yet confirmed.
//!
//! Separate from the run record (`store`): the guide runs inside a setup run that is only
//! recorded once it ends, and a reload ends it early. Holds an EnvironmentId and a count,
//! nothing of the sign-in.

use serde::{Deserialize, Serialize};
use w365_core::ids::EnvironmentId;

use super::tab_storage;

/// The sessionStorage key.
pub const KEY: &str = "w365-appuser.guide";

#[derive(Serialize, Deserialize)]
struct Progress {
    /// Validated again when read back: storage is outside data.
    environment_id: EnvironmentId,
    confirmed: usize,
}

/// Guide steps confirmed in `environment_id`'s run (0 when none, or another environment's).
pub fn confirmed(environment_id: &EnvironmentId) -> usize {
    tab_storage::get(KEY)
        .and_then(|text| serde_json::from_str::<Progress>(&text).ok())
        .filter(|p| p.environment_id == *environment_id)
        .map_or(0, |p| p.confirmed)
}

/// Notes that `confirmed` steps are confirmed (see [`tab_storage`] for why a failure is
/// ignored).
pub fn save(environment_id: &EnvironmentId, confirmed: usize) {
    let progress = Progress {
        environment_id: environment_id.clone(),
        confirmed,
    };
    if let Ok(text) = serde_json::to_string(&progress) {
        tab_storage::set(KEY, &text);
    }
}

/// Forgets the progress (the run ended, or sign-out).
pub fn clear() {
    tab_storage::remove(KEY);
}
