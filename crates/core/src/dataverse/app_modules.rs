//! Model-driven apps: find the product's app to link straight into it.

use super::Dataverse;
use crate::error::ApiError;
use crate::http::{HttpClient, HttpRequest, HttpResponse};
use crate::ids::AppModuleId;
use crate::odata::{self, Page};
use serde::{Deserialize, Serialize};

/// A model-driven app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppModule {
    /// Id, used in `main.aspx?appid=`.
    #[serde(rename = "appmoduleid")]
    pub id: AppModuleId,
    /// Unique name.
    #[serde(default)]
    pub uniquename: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
}

impl AppModule {
    /// The deep link into this app: `{origin}/main.aspx?appid={id}`.
    pub fn deep_link(&self, dv: &Dataverse) -> String {
        format!("{}/main.aspx?appid={}", dv.origin, self.id)
    }
}

impl Dataverse {
    /// `GET appmodules?$select=appmoduleid,uniquename,name&$filter=uniquename eq '…'`.
    pub fn app_module(&self, uniquename: &str) -> HttpRequest {
        self.get(&format!(
            "appmodules?$select=appmoduleid,uniquename,name&$filter={}",
            odata::encode(&format!("uniquename eq {}", odata::quote(uniquename)))
        ))
    }
}

/// Parses the app module query.
pub fn parse_app_modules(resp: &HttpResponse) -> Result<Page<AppModule>, ApiError> {
    odata::read_page(resp)
}

/// Finds the app module by unique name.
pub async fn app_module(
    client: &impl HttpClient,
    dv: &Dataverse,
    uniquename: &str,
) -> Result<Option<AppModule>, ApiError> {
    let resp = client.send(dv.app_module(uniquename)).await?;
    Ok(parse_app_modules(&resp)?.value.into_iter().next())
}
