//! Inspect: read the environment before anything is decided.

mod inspect;
pub mod inspection;
