//! Apply, verify, undo — and the one-writer-per-environment lock around them.

mod apply;
pub mod lock;
mod locking;
mod undo;
mod verify;
