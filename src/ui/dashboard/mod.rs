//! The dashboard: every environment, its inspected state, filter, sort, batch.
mod batch_panel;
#[allow(clippy::module_inception)]
mod dashboard;
mod env_row;
pub mod filter;
mod unusable_row;

pub use dashboard::Dashboard;
