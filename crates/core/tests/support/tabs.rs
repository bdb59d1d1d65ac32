//! Tabs on one environment, for the write-lock tests (`write_lock.rs`,
//! `two_tabs_one_writer.rs`): an interactive run that takes the lock, and what the model's audit
//! says was written.

use super::model::Model;
use super::target;
use w365_core::http::Method;
use w365_core::procedure::{Mode, Options, Procedure};

/// An interactive run in a tab (plan confirmed by the admin, guide shown), taking the lock.
pub fn tab(mode: Mode) -> Procedure {
    Procedure::new(
        target(),
        Options {
            mode,
            write_lock: true,
            ..Options::default()
        },
    )
}

/// Creates of an application user the model saw.
pub fn creates(model: &Model) -> usize {
    model
        .audit
        .iter()
        .filter(|w| w.method == Method::Post && w.user.is_none())
        .count()
}

/// Role associations the model saw.
pub fn associations(model: &Model) -> usize {
    model
        .audit
        .iter()
        .filter(|w| w.method == Method::Post && w.user.is_some())
        .count()
}
