//! What is fixed for the emulator's lifetime.

use std::path::PathBuf;

/// The emulator's fixed settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    /// Delay added to every Microsoft endpoint.
    pub latency_ms: u64,
    /// Directory served as the app in custom-base-URL mode.
    pub static_dir: Option<PathBuf>,
    /// File served as `/config.json`.
    pub app_config: Option<PathBuf>,
    /// Lifetime of issued access tokens.
    pub token_lifetime_secs: i64,
}
