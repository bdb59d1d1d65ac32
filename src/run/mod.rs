//! Running the core's procedures from the browser: the clock, the retry policy and jitter
//! seed, the admin's side of the conversation (prompts, sign-in renewal, cancel), the
//! environments' write locks, request
//! observation for live steps, and the session's run record and the guide's progress in
//! sessionStorage.
pub mod clock;
pub mod guide_progress;
pub mod locks;
pub mod observed;
pub mod policy;
pub mod prompter;
pub mod store;
pub mod tab_storage;
