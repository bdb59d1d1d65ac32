//! Components: one screen or part per file, one folder per area. They render state and pass
//! the admin's choices on; decisions live in `w365_core`. Hooks and flows: `README.md`.
//!
//! The sign-in shell (`app`, `sign_in`, `cloud_picker`, `registration_guide`, `framed`) is
//! written against web-sys (`dom`), without Leptos; the workspace behind the split point
//! (`workspace_loader`) is Leptos (README, "How the production build is made").
mod app;
mod cloud_picker;
pub mod consent_unknown;
pub mod dashboard;
mod dom;
pub mod environment;
mod error_panel;
mod framed;
mod registration_guide;
mod report;
mod resume_prompt;
pub mod session;
mod sign_in;
mod workspace;
mod workspace_loader;

pub use app::start;
pub use framed::show_framed;
