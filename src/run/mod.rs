//! Running the core's procedures from the browser — everything between the screens and
//! `w365_core`: what the signed-in page shares (`session`), discovery and the inspections
//! (`discovery`, `assess`), one environment's setup or undo (`setup`), the batch (`batch`), the admin's side of a run (prompts, sign-in
//! renewal, the environments' write locks, cancel: `prompter`, `locks`, `cancel`), the clock
//! and the retry policy, and what is kept in sessionStorage (`store`, `guide_progress`,
//! `resume`).
pub mod assess;
pub mod batch;
pub mod cancel;
pub mod clock;
pub mod discovery;
pub mod guide_progress;
pub mod locks;
pub mod policy;
pub mod prompter;
pub mod resume;
pub mod session;
pub mod setup;
pub mod store;
pub mod tab_storage;
