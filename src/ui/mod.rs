//! Components: one screen or part per file, one folder per area. They render state and pass
//! the admin's choices on; decisions live in `w365_core`. Hooks and flows: `README.md`.
mod app;
pub mod dashboard;
pub mod environment;
mod error_panel;
mod registration_guide;
mod report;
pub mod session;
mod sign_in;
mod workspace;

pub use app::App;
