//! Screens and widgets: one screen or part per file, one folder per screen, the widgets more
//! than one screen shows in `widgets/`. A screen imports widgets and `crate::run`, never
//! another screen (`scripts/check_layout.sh`). They render state and pass the admin's choices
//! on; decisions live in `w365_core`, running them in `crate::run`. Hooks and flows:
//! `README.md`.
mod app;
mod cloud_picker;
pub mod dashboard;
pub mod environment;
mod framed;
mod registration_guide;
mod resume_prompt;
mod sign_in;
pub mod widgets;
mod workspace;
mod workspace_loader;

pub use app::App;
pub use framed::Framed;
