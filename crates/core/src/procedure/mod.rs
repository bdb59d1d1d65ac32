//! The procedure for one environment and preset, as a sans-IO state machine.
//!
//! Feed it [`Input`]s with the current time (milliseconds from any origin the caller keeps
//! steady; the app passes `Date.now()`); it answers with the next [`Command`]. It never sleeps,
//! spawns or reads a clock, so every interleaving of answers and faults can be replayed.
//!
//! Safety rules it keeps: it never sends anything to an environment discovery lists as
//! disabled; it creates the application user only when its latest read showed none live; after
//! any doubtful write answer (none in time, a dropped connection, a `5xx`), and after any refused
//! create or role assignment, it re-reads before acting again and never resends blindly (a live
//! row is adopted whatever the refusal said); it enables a disabled user and sees that confirmed
//! before assigning roles, and in Undo removes roles before disabling; it never removes a role
//! except in Undo, and only ever writes to the one application user of the chosen app. A cancel
//! ends the run at once; if a write's effect is then unknown, the outcome says so and how to find
//! out. It follows `@odata.nextLink` only on the origin it asked, for at most
//! [`crate::odata::MAX_PAGES`] pages.
//!
//! The files follow a run:
//!
//! - `read/` — **inspect**: the rounds of reads (`inspect.rs`) and what their answers say
//!   (`inspection.rs`).
//! - `decide/` — **assess and plan**: which data center (`choose.rs`), the verdict and the plan
//!   of writes (`assess.rs`, its vocabulary in `assessment.rs`), the admin's confirmation
//!   (`plan.rs`).
//! - `write/` — **apply** the writes in Microsoft's order (`apply.rs`), **verify** by reading
//!   the user back (`verify.rs`), **undo** (`undo.rs`), one writer per environment (`lock.rs`,
//!   `locking.rs`).
//! - `guide.rs` — the vendor's manual switch, once verified.
//!
//! Around them: `machine.rs` holds the state ([`Procedure`]; what each phase knows is
//! `state.rs`) and routes each input to its phase; `wire.rs` sends, retries, pages, waits and
//! renews; `steps.rs` keeps the step list of [`RunView`] (`view.rs`, `step.rs`); the record
//! the run fills is `environment_run.rs`; its vocabulary `types.rs`, `target.rs`, `prompt.rs`.

mod decide;
pub(crate) mod environment_run;
mod guide;
mod machine;
pub mod prompt;
mod purpose;
mod read;
pub mod retry;
mod state;
mod step;
mod steps;
mod target;
mod types;
pub mod view;
mod wire;
mod write;

pub use decide::assessment;
pub use machine::Procedure;
pub use read::inspection;
pub use step::{Step, StepStatus};
pub use target::{EnvironmentRef, Mode, Options, Target};
pub use types::{Answer, Command, Input, Outcome, Outgoing, ProcedureError, RequestId, WaitReason};
pub use view::{RunStage, RunView, RunWait, StepView};
pub use write::lock::{self, LockGrant, LockName};
