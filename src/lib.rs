//! The w365-appuser browser app: a thin Leptos UI over `w365_core`.
//!
//! `main.rs` only mounts [`ui::App`]; everything that talks to the browser sits in
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

/// Mounts the app on `<body>`; inside a frame, only a refusal (no configuration is read, no
/// sign-in is started).
pub fn start() {
    console_error_panic_hook::set_once();
    if framing::is_framed() {
        leptos::mount::mount_to_body(ui::Framed);
        return;
    }
    leptos::mount::mount_to_body(ui::App);
}
