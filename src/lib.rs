//! The w365-appuser browser app: a thin Leptos UI over `w365_core`.
//!
//! `main.rs` only calls [`start`]; everything that talks to the browser sits in
//! [`bridge`] (MSAL.js) and [`api`] (HTTP); everything that decides sits in the core.
pub mod api;
pub mod auth;
pub mod bridge;
pub mod cloud_choice;
pub mod config;
pub mod csp;
pub mod framing;
pub mod launch;
pub mod login_hint;
pub mod run;
pub mod ui;

/// Shows the app in `<body>`; inside a frame, only a refusal (no configuration is read, no
/// sign-in is started).
pub fn start() {
    if framing::is_framed() {
        ui::show_framed();
        return;
    }
    ui::start();
}
