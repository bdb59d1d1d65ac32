//! One writer per environment: the procedure takes the environment's write lock before its first
//! write and keeps it until the writes are verified.
//!
//! The lock itself belongs to the caller (the browser's Web Locks API, an in-memory lock in
//! tests); the procedure only asks for it ([`crate::procedure::Command::Lock`]) and hears how it
//! went ([`crate::procedure::Input::Lock`]):
//!
//! - asked without waiting and **acquired**: write. If a person was asked anything since the
//!   inspection (the plan, a data center), minutes may have passed, so the state is re-read first.
//! - **busy** (another tab holds it): ask again, this time waiting; the caller shows that another
//!   tab holds the environment and offers to stop (`Cancel`).
//! - acquired **after waiting**: the other tab may have written, so re-read, then plan from what
//!   is there now (usually: nothing left to do).
//! - **unavailable** (no lock manager): nothing keeps other tabs out, so re-read right before
//!   writing; the record says the writes were unguarded.
//!
//! The lock is given back once no further write can follow: the run is verified (the guide may
//! follow) or over. [`crate::procedure::Procedure::release_write_lock`] tells the caller when.
//! (The protocol's steps are `locking.rs`.)

use serde::{Deserialize, Serialize};

use crate::procedure::target::EnvironmentRef;

/// The name of an environment's write lock, the same in every tab of the tool's origin.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LockName(String);

impl LockName {
    /// The lock of one environment: its Dataverse origin, which discovery makes unique per
    /// environment (the EnvironmentId is not always known).
    pub fn for_environment(environment: &EnvironmentRef) -> LockName {
        LockName(format!(
            "w365-appuser:{}",
            environment.url.trim_end_matches('/').to_ascii_lowercase()
        ))
    }

    /// The name as the lock manager wants it.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for LockName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a lock request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LockGrant {
    /// Held now (at once, or after the wait that was asked for).
    Acquired,
    /// Another holder has it (only for a request that did not wait).
    Busy,
    /// No lock manager here: writes are not kept apart from other tabs.
    Unavailable,
}

/// Where a run stands with its write lock between the times it asks for it (asking and
/// waiting are phases of their own).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum LockState {
    /// Not needed yet (no write so far).
    #[default]
    NotAsked,
    /// Held: writes may go out.
    Held,
    /// No lock manager: writes go out after a re-read.
    Unguarded,
    /// Given back after the last write.
    Released,
}
