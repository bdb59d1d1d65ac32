//! Components: one screen or part per file. They render state and pass the
//! admin's choices on; decisions live in `w365_core`.
mod app;
mod environment_list;
mod error_panel;
mod registration_guide;
mod sign_in;

pub use app::App;
