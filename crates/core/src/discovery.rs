//! Global Discovery Service: the environments the signed-in admin can reach.

use crate::cloud::CloudEndpoints;
use crate::error::ApiError;
use crate::http::{HttpClient, HttpRequest, HttpResponse};
use crate::ids::{EnvironmentId, OrganizationId, TenantId};
use crate::odata::{self, Page};
use serde::{Deserialize, Serialize};

/// One Dataverse environment as GDS describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Organization id.
    #[serde(rename = "Id")]
    pub id: OrganizationId,
    /// Power Platform environment id.
    #[serde(rename = "EnvironmentId")]
    pub environment_id: EnvironmentId,
    /// Unique name, e.g. `org1a2b3c`.
    #[serde(rename = "UniqueName", default)]
    pub unique_name: String,
    /// URL name (the host's first label).
    #[serde(rename = "UrlName", default)]
    pub url_name: Option<String>,
    /// Display name.
    #[serde(rename = "FriendlyName", default)]
    pub friendly_name: String,
    /// The environment's web URL, e.g. `https://contoso.crm.dynamics.com`; also the token audience.
    #[serde(rename = "Url")]
    pub url: String,
    /// The API URL (usually the same origin as `url`).
    #[serde(rename = "ApiUrl", default)]
    pub api_url: Option<String>,
    /// Region code, e.g. `NA`.
    #[serde(rename = "Region", default)]
    pub region: Option<String>,
    /// Dataverse version.
    #[serde(rename = "Version", default)]
    pub version: Option<String>,
    /// State (0 = enabled).
    #[serde(rename = "State", default)]
    pub state: Option<i64>,
    /// Tenant.
    #[serde(rename = "TenantId", default)]
    pub tenant_id: Option<TenantId>,
    /// GDS's own hint that the admin is System Administrator there (the procedure checks itself).
    #[serde(rename = "IsUserSysAdmin", default)]
    pub is_user_sys_admin: Option<bool>,
}

impl Instance {
    /// The origin to send Dataverse requests to and to ask a token for, without a trailing slash.
    pub fn origin(&self) -> String {
        self.url.trim_end_matches('/').to_owned()
    }
}

/// The first request for the instance list.
pub fn instances_request(endpoints: &CloudEndpoints) -> HttpRequest {
    odata::get_paged(
        format!("{}/api/discovery/v2.0/Instances", endpoints.discovery),
        &endpoints.discovery,
    )
}

/// Parses one page of instances.
pub fn parse_instances(resp: &HttpResponse) -> Result<Page<Instance>, ApiError> {
    odata::read_page(resp)
}

/// Lists every instance, following `@odata.nextLink` on the discovery service's own origin for
/// at most [`odata::MAX_PAGES`] pages. A longer list, or a link elsewhere, is an error: the
/// dashboard never shows part of the list as if it were all of it.
pub async fn list_instances(
    client: &impl HttpClient,
    endpoints: &CloudEndpoints,
) -> Result<Vec<Instance>, ApiError> {
    let first = instances_request(endpoints);
    let mut req = first.clone();
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        odata::check_page(pages)?;
        let resp = client.send(req).await?;
        let page = parse_instances(&resp)?;
        all.extend(page.value);
        match page.next_link {
            Some(next) => req = odata::next_page(&first, &next)?,
            None => return Ok(all),
        }
    }
}
