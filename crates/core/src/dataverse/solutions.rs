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
    /// Solutions whose unique name or display name contains any of `names` (`contains` is
    /// case-insensitive in Dataverse; the caller matches again, see
    /// [`crate::preset::ProductRequirement::matches_solution`]).
    pub fn solutions_named_like(&self, names: &[String]) -> HttpRequest {
        let terms: Vec<String> = names
            .iter()
            .flat_map(|n| {
                let q = odata::quote(n);
                [
                    format!("contains(uniquename,{q})"),
                    format!("contains(friendlyname,{q})"),
                ]
            })
            .collect();
        self.get_paged(&format!(
            "solutions?$select=uniquename,friendlyname,version&$filter={}",
            odata::encode(&terms.join(" or "))
        ))
    }
}

/// Parses a page of solutions.
pub fn parse_solutions(resp: &HttpResponse) -> Result<Page<Solution>, ApiError> {
    odata::read_page(resp)
}

/// Lists solutions whose names contain any of `names`.
pub async fn solutions_named_like(
    client: &impl HttpClient,
    dv: &Dataverse,
    names: &[String],
) -> Result<Vec<Solution>, ApiError> {
    super::fetch_all(client, dv.solutions_named_like(names)).await
}
