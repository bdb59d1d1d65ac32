//! What a dashboard row shows: the core's verdict (`w365_core::row`), which this page renders.

pub use w365_core::row::{AppUserState, RowInfo, RowStatus, ServiceAccount};
