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
