//! One writer per environment: the procedure takes the environment's write lock before its first
//! write and keeps it until the writes are verified.
//!
//! The lock itself belongs to the caller (the browser's Web Locks API, an in-memory lock in
//! tests); the procedure only asks for it ([`super::Command::Lock`]) and hears how it went
//! ([`super::Input::Lock`]):
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
//! follow) or over. [`Procedure::release_write_lock`] tells the caller when.

use serde::{Deserialize, Serialize};

use super::{Command, Phase, Procedure};
use crate::http::HttpRequest;
use crate::procedure::inspection::Purpose;
use crate::record::{EnvironmentRef, WaitRecord};

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

/// Where the procedure stands with its write lock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum WriteLock {
    /// Not needed yet (no write so far).
    #[default]
    NotAsked,
    /// Asked without waiting.
    Asking,
    /// Another tab holds it; asked again, waiting since then.
    Waiting { since_ms: u64 },
    /// Held: writes may go out.
    Held,
    /// No lock manager: writes go out after a re-read.
    Unguarded,
    /// Given back after the last write.
    Released,
}

impl Procedure {
    /// The environment's write lock, as it is asked for.
    pub fn lock_name(&self) -> LockName {
        LockName::for_environment(&self.target.environment)
    }

    /// Stops a round of writes until the lock is held: `Some` is the command to yield instead.
    /// Reads and runs without `write_lock` pass untouched.
    pub(super) fn lock_before_writes(
        &mut self,
        reqs: &[(Purpose, HttpRequest)],
    ) -> Option<Command> {
        if !self.options.write_lock || !reqs.iter().any(|(p, _)| p.is_write()) {
            return None;
        }
        match self.lock {
            WriteLock::Held | WriteLock::Unguarded => None,
            WriteLock::NotAsked | WriteLock::Released => {
                // The round that stopped here sent nothing: it is asked again once the lock is held.
                self.write_rounds = self.write_rounds.saturating_sub(1);
                self.lock = WriteLock::Asking;
                Some(self.emit(Command::Lock {
                    lock: self.lock_name(),
                    wait: false,
                }))
            }
            WriteLock::Asking | WriteLock::Waiting { .. } => Some(self.repeat()),
        }
    }

    /// The caller's answer to [`Command::Lock`].
    pub(super) fn on_lock(&mut self, grant: LockGrant, wait: bool, now_ms: u64) -> Command {
        match (grant, self.lock) {
            (LockGrant::Acquired, WriteLock::Waiting { since_ms }) => {
                self.lock = WriteLock::Held;
                self.record.waits.push(WaitRecord {
                    reason:
                        "another tab of this tool held the environment; re-read after it finished"
                            .into(),
                    ms: now_ms.saturating_sub(since_ms),
                    at_ms: since_ms,
                });
                self.reread_then_write(now_ms)
            }
            (LockGrant::Acquired, _) => {
                self.lock = WriteLock::Held;
                // A person answered something since the inspection: the plan may be minutes old.
                if self.record.confirmations.is_empty() {
                    self.next_writes(now_ms)
                } else {
                    self.reread_then_write(now_ms)
                }
            }
            (LockGrant::Busy, WriteLock::Asking) if !wait => {
                self.lock = WriteLock::Waiting { since_ms: now_ms };
                self.emit(Command::Lock {
                    lock: self.lock_name(),
                    wait: true,
                })
            }
            (LockGrant::Busy, _) => self.repeat(),
            (LockGrant::Unavailable, _) => {
                self.lock = WriteLock::Unguarded;
                self.record.waits.push(WaitRecord {
                    reason: "no lock manager in this browser: writes not kept apart from other tabs; re-read before writing".into(),
                    ms: 0,
                    at_ms: now_ms,
                });
                self.reread_then_write(now_ms)
            }
        }
    }

    fn reread_then_write(&mut self, now_ms: u64) -> Command {
        // What we knew may be out of date: the same path as after a doubtful write answer.
        self.reread = true;
        self.after_writes(now_ms)
    }

    /// The lock to give back now, once: the run is verified (only the guide may follow) or
    /// over, so no further write can come. `None` while writes may still follow or when no
    /// lock is held.
    pub fn release_write_lock(&mut self) -> Option<LockName> {
        let over = matches!(self.phase, Phase::Guide(_) | Phase::Done);
        if over && self.lock == WriteLock::Held {
            self.lock = WriteLock::Released;
            return Some(self.lock_name());
        }
        None
    }
}
