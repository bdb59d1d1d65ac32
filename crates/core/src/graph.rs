//! Microsoft Graph: does the vendor's service principal exist in the tenant (i.e. was it consented)?

use crate::cloud::CloudEndpoints;
use crate::error::ApiError;
use crate::http::{HttpClient, HttpRequest, HttpResponse};
use crate::ids::AppId;
use crate::odata;
use serde::{Deserialize, Serialize};

/// What Graph says about a vendor app in the tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "consent", rename_all = "kebab-case")]
pub enum Consent {
    /// The service principal exists: the app was consented.
    Present {
        /// Its display name, when Graph gave one.
        display_name: Option<String>,
    },
    /// 404: no service principal, so not consented.
    Absent,
    /// Graph could not tell: the tool's optional `Application.Read.All` is not consented (403,
    /// 401, or no Graph token without a sign-in: AADSTS65001), or Graph did not answer. The
    /// procedure goes on, the app shows the admin-consent link, and Dataverse's own message
    /// if the create then fails.
    Unknown {
        /// Why it is unknown.
        reason: String,
    },
}

#[derive(Deserialize)]
struct ServicePrincipal {
    #[serde(rename = "displayName")]
    display_name: Option<String>,
}

/// `GET {graph}/v1.0/servicePrincipals(appId='{appId}')?$select=id,appId,displayName`.
pub fn service_principal_request(endpoints: &CloudEndpoints, app: &AppId) -> HttpRequest {
    odata::get(
        format!(
            "{}/v1.0/servicePrincipals(appId='{}')?$select=id,appId,displayName",
            endpoints.graph, app
        ),
        &endpoints.graph,
    )
}

/// Reads the answer: 200 → present, 404 → absent, 401/429/5xx → error (the caller retries),
/// anything else → unknown.
pub fn parse_service_principal(resp: &HttpResponse) -> Result<Consent, ApiError> {
    match resp.status {
        200..=299 => {
            let sp: ServicePrincipal = odata::read_json(resp)?;
            Ok(Consent::Present {
                display_name: sp.display_name,
            })
        }
        404 => Ok(Consent::Absent),
        401 | 429 | 500..=599 => Err(ApiError::refused(resp)),
        _ => Ok(Consent::Unknown {
            reason: ApiError::refused(resp).to_string(),
        }),
    }
}

/// Asks Graph whether the app's service principal exists.
pub async fn service_principal(
    client: &impl HttpClient,
    endpoints: &CloudEndpoints,
    app: &AppId,
) -> Result<Consent, ApiError> {
    let resp = client
        .send(service_principal_request(endpoints, app))
        .await?;
    parse_service_principal(&resp)
}
