//! What every request is served from, and how a handler closes a connection without an
//! answer: shared by `routing` and the `$batch` it carries out (`routing::batch`), which would
//! otherwise name each other.

use std::sync::Mutex;

use crate::settings::Settings;
use crate::world::World;

/// What every request is served from: the state (one lock, so a request's fault is picked
/// and logged at once) and the fixed settings.
pub struct Served {
    pub world: Mutex<World>,
    pub settings: Settings,
}

/// Returned to hyper to close the connection without an answer.
#[derive(Debug)]
pub struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}
