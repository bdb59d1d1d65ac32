//! The OData v4 the Dataverse Web API and the discovery service speak: query options parsed
//! and applied to JSON rows, paging, and the error body.

pub mod error;
pub mod filter;
pub mod paging;
pub mod query;

pub use error::{error, ODataError};
pub use filter::{eval, parse_filter, BinOp, Expr, Val};
pub use paging::{max_page_size, next_link};
pub use query::{apply, parse_query, parse_select, project, Expand, Navs, Query};

/// The Dataverse Web API versions an environment answers under, newest first (the root of
/// every Web API path: `{root}/systemusers`, `{root}/$batch`).
pub const WEB_API_ROOTS: [&str; 3] = ["/api/data/v9.2", "/api/data/v9.1", "/api/data/v9.0"];
