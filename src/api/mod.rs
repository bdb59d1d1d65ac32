//! HTTP for the core: the browser transport and the session that owns it.
pub mod transport;
