//! The write lock's protocol (see `lock.rs`): asked before the first write, waited for when
//! another tab holds it, and given back once no write can follow. Whenever minutes may have
//! passed or another tab may have written, the user is read again before anything is written.

use crate::procedure::environment_run::WaitRecord;
use crate::procedure::machine::Procedure;
use crate::procedure::state::{Phase, Work};
use crate::procedure::types::{Command, Input};
use crate::procedure::write::lock::{LockGrant, LockName, LockState};

impl Procedure {
    /// Asks for the write lock without waiting; the writes of `work` wait for the answer.
    pub(crate) fn ask_for_lock(&mut self, work: Work) -> Command {
        self.phase = Phase::Lock {
            work,
            waiting_since: None,
        };
        self.emit(Command::Lock {
            lock: self.lock_name(),
            wait: false,
        })
    }

    /// The caller's answer to [`Command::Lock`].
    pub(crate) fn on_lock(&mut self, grant: LockGrant, now_ms: u64) -> Command {
        let (work, waiting_since) = match self.take_phase() {
            Phase::Lock {
                work,
                waiting_since,
            } => (work, waiting_since),
            phase => {
                self.phase = phase;
                return self.unexpected(&Input::Lock { grant }, now_ms);
            }
        };
        match (grant, waiting_since) {
            (LockGrant::Acquired, Some(since_ms)) => {
                self.lock = LockState::Held;
                self.record.waits.push(WaitRecord {
                    reason:
                        "another tab of this tool held the environment; re-read after it finished"
                            .into(),
                    ms: now_ms.saturating_sub(since_ms),
                    at_ms: since_ms,
                });
                self.reread_then_write(work, now_ms)
            }
            (LockGrant::Acquired, None) => {
                self.lock = LockState::Held;
                // A person answered something since the inspection: the plan may be minutes old.
                if self.record.confirmations.is_empty() {
                    self.next_writes(work, now_ms)
                } else {
                    self.reread_then_write(work, now_ms)
                }
            }
            (LockGrant::Busy, None) => {
                self.phase = Phase::Lock {
                    work,
                    waiting_since: Some(now_ms),
                };
                self.emit(Command::Lock {
                    lock: self.lock_name(),
                    wait: true,
                })
            }
            // Busy is no answer to a wait: it waits on.
            (LockGrant::Busy, Some(since)) => {
                self.phase = Phase::Lock {
                    work,
                    waiting_since: Some(since),
                };
                self.unexpected(&Input::Lock { grant }, now_ms)
            }
            (LockGrant::Unavailable, _) => {
                self.lock = LockState::Unguarded;
                self.record.waits.push(WaitRecord {
                    reason: "no lock manager in this browser: writes not kept apart from other tabs; re-read before writing".into(),
                    ms: 0,
                    at_ms: now_ms,
                });
                self.reread_then_write(work, now_ms)
            }
        }
    }

    fn reread_then_write(&mut self, mut work: Work, now_ms: u64) -> Command {
        // What we knew may be out of date: the same path as after a doubtful write answer.
        work.reread = true;
        self.after_writes(work, now_ms)
    }

    /// The lock to give back now, once: the run is verified (only the guide may follow) or
    /// over, so no further write can come. `None` while writes may still follow or when no
    /// lock is held.
    pub fn release_write_lock(&mut self) -> Option<LockName> {
        let over = matches!(self.phase, Phase::Guide { .. } | Phase::Done);
        if over && self.lock == LockState::Held {
            self.lock = LockState::Released;
            return Some(self.lock_name());
        }
        None
    }
}
