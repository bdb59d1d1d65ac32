//! Components: one screen or part per file, one folder per area. They render state and pass
//! the admin's choices on; decisions live in `w365_core`. Hooks and flows: `README.md`.
mod app;
mod cloud_picker;
pub mod consent_unknown;
pub mod dashboard;
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

pub use app::App;
pub use framed::Framed;
