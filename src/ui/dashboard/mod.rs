//! The dashboard: every environment, its inspected state, filter, sort, batch.
pub mod assess;
mod batch_panel;
#[allow(clippy::module_inception)]
mod dashboard;
mod env_row;
pub mod filter;
pub mod row_status;
mod unusable_row;

pub use dashboard::Dashboard;
