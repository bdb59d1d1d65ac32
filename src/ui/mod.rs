//! Screens and widgets: one screen or part per file, one folder per screen, the widgets more
//! than one screen shows in `widgets/`. A screen imports widgets and `crate::run`, never
//! another screen (`scripts/check_layout.sh`). They render state and pass the admin's choices
//! on; decisions live in `w365_core`, running them in `crate::run`. Hooks and flows:
//! `README.md`.
//!
//! The sign-in shell (`app`, `sign_in`, `cloud_picker`, `registration_guide`, `framed`) is
//! written against web-sys (`dom`), without Leptos; the workspace behind the split point
//! (`workspace_loader`) is Leptos (README, "How the production build is made").
mod app;
mod cloud_picker;
pub mod dashboard;
mod dom;
pub mod environment;
mod framed;
mod registration_guide;
mod resume_prompt;
mod sign_in;
pub mod widgets;
mod workspace;
mod workspace_loader;

pub use app::start;
pub use framed::show_framed;
