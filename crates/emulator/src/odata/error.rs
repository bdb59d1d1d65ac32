//! Why an OData request is refused, and the error body Dataverse (and the discovery service)
//! answers with.

use serde_json::json;

use crate::http::Resp;

/// Why a query was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ODataError {
    Syntax(String),
    UnknownProperty(String),
}

/// A Dataverse-shaped error: `{"error":{"code","message"}}` with `OData-Version`.
pub fn error(status: u16, code: &str, message: &str) -> Resp {
    Resp::json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
    .header("OData-Version", "4.0")
}
