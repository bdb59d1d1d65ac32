//! Business units: the root one is where the application user and its roles live.

use super::Dataverse;
use crate::error::ApiError;
use crate::http::{HttpClient, HttpRequest, HttpResponse};
use crate::ids::BusinessUnitId;
use crate::odata::{self, Page};
use serde::{Deserialize, Serialize};

/// A business unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessUnit {
    /// Id.
    #[serde(rename = "businessunitid")]
    pub id: BusinessUnitId,
    /// Name.
    #[serde(default)]
    pub name: String,
}

impl Dataverse {
    /// `GET businessunits?$select=businessunitid,name&$filter=_parentbusinessunitid_value eq null`.
    pub fn root_business_unit(&self) -> HttpRequest {
        self.get(&format!(
            "businessunits?$select=businessunitid,name&$filter={}",
            odata::encode("_parentbusinessunitid_value eq null")
        ))
    }
}

/// Parses the root business unit query; all matches are returned, the caller insists on one.
pub fn parse_business_units(resp: &HttpResponse) -> Result<Page<BusinessUnit>, ApiError> {
    odata::read_page(resp)
}

/// Reads the root business unit(s).
pub async fn root_business_units(
    client: &impl HttpClient,
    dv: &Dataverse,
) -> Result<Vec<BusinessUnit>, ApiError> {
    super::fetch_all(client, dv.root_business_unit()).await
}
