//! Installed solutions: is the product there, and which version.

use super::Dataverse;
use crate::error::ApiError;
use crate::http::{HttpClient, HttpRequest, HttpResponse};
use crate::odata::{self, Page};
use serde::{Deserialize, Serialize};

/// An installed solution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Solution {
    /// Unique name.
    pub uniquename: String,
    /// Display name.
    #[serde(default)]
    pub friendlyname: Option<String>,
    /// Dotted version.
    #[serde(default)]
    pub version: Option<String>,
}

impl Dataverse {
    /// Solutions whose unique name starts with `prefix`.
    pub fn solutions_with_prefix(&self, prefix: &str) -> HttpRequest {
        self.get_paged(&format!(
            "solutions?$select=uniquename,friendlyname,version&$filter={}",
            odata::encode(&format!("startswith(uniquename,{})", odata::quote(prefix)))
        ))
    }
}

/// Parses a page of solutions.
pub fn parse_solutions(resp: &HttpResponse) -> Result<Page<Solution>, ApiError> {
    odata::read_page(resp)
}

/// Lists solutions by prefix.
pub async fn solutions_with_prefix(
    client: &impl HttpClient,
    dv: &Dataverse,
    prefix: &str,
) -> Result<Vec<Solution>, ApiError> {
    super::fetch_all(client, dv.solutions_with_prefix(prefix)).await
}
