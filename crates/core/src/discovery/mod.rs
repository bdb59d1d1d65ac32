//! Global Discovery Service: the environments the signed-in admin can reach.
//!
//! Each `Instances` row is read on its own: a row this client cannot use (an id it cannot put
//! into a URL, no usable `Url`, …) becomes an [`UnusableInstance`] carrying what is known and
//! why, so one odd row never takes the whole list down.

use crate::cloud::{Cloud, CloudEndpoints};
use crate::error::ApiError;
use crate::http::{HttpClient, HttpRequest};
use crate::ids::{EnvironmentId, OrganizationId, TenantId};
use crate::odata;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// GDS `State` of a disabled environment (0 is enabled); its Web API does not serve requests.
pub const STATE_DISABLED: i64 = 1;

/// One Dataverse environment as GDS describes it, checked usable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Organization id (not needed to reach the environment, so a missing one is tolerated).
    #[serde(rename = "Id", default)]
    pub id: Option<OrganizationId>,
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
    /// State (0 = enabled, [`STATE_DISABLED`] = disabled).
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

    /// Whether GDS says the environment is disabled: it is then never inspected.
    pub fn is_disabled(&self) -> bool {
        self.state == Some(STATE_DISABLED)
    }
}

/// Why a discovery row cannot be used. One variant per check, so a new check is one more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum UnusableReason {
    /// The row is not a JSON object.
    NotAnObject,
    /// No `EnvironmentId`, or not a string.
    MissingEnvironmentId,
    /// An `EnvironmentId` this client cannot put into URLs and storage.
    BadEnvironmentId {
        /// What the id check said (it quotes the id).
        detail: String,
    },
    /// No `Url`, or not a string.
    MissingUrl,
    /// A `Url` that is not `https://`.
    NotHttps {
        /// The URL as given.
        url: String,
    },
    /// A `Url` that is not a plain https base URL.
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        why: String,
    },
    /// A `Url` outside the signed-in cloud's Dataverse domain: the admin's token for that
    /// cloud's Dataverse must not be sent there.
    OutsideCloud {
        /// The URL as given.
        url: String,
        /// The cloud signed in to, as the admin knows it.
        cloud: String,
    },
}

impl UnusableReason {
    /// A short key for the page's hooks (`data-unusable`).
    pub fn key(&self) -> &'static str {
        match self {
            UnusableReason::NotAnObject => "not-an-object",
            UnusableReason::MissingEnvironmentId => "missing-environment-id",
            UnusableReason::BadEnvironmentId { .. } => "bad-environment-id",
            UnusableReason::MissingUrl => "missing-url",
            UnusableReason::NotHttps { .. } => "not-https",
            UnusableReason::BadUrl { .. } => "bad-url",
            UnusableReason::OutsideCloud { .. } => "outside-cloud",
        }
    }

    /// What is wrong, for people.
    pub fn text(&self) -> String {
        match self {
            UnusableReason::NotAnObject => {
                "the discovery service listed an entry that is not an environment".into()
            }
            UnusableReason::MissingEnvironmentId => {
                "the discovery service gave no environment id for it".into()
            }
            UnusableReason::BadEnvironmentId { detail } => {
                format!("its environment id cannot be used safely: {detail}")
            }
            UnusableReason::MissingUrl => {
                "the discovery service gave no web address (Url) for it".into()
            }
            UnusableReason::NotHttps { url } => {
                format!("its web address {url:?} is not https")
            }
            UnusableReason::BadUrl { url, why } => {
                format!("its web address {url:?} cannot be used: {why}")
            }
            UnusableReason::OutsideCloud { url, cloud } => format!(
                "its web address {url:?} is not a Dataverse environment of the {cloud} cloud, so the tool sends it nothing"
            ),
        }
    }

    /// What the admin can do.
    pub fn remedy(&self) -> String {
        match self {
            UnusableReason::OutsideCloud { .. } => "If this environment belongs to another Microsoft cloud, sign in to that cloud (config.json \"cloud\"); otherwise report what is shown here to the tool's maintainers. Other environments are not affected.".into(),
            UnusableReason::MissingUrl => "Check in the Power Platform admin center (Environments → this environment) that it has a Dataverse database and is ready, then reload this page. Other environments are not affected.".into(),
            _ => "This tool cannot work on this environment. Set up its application user by hand in the Power Platform admin center (Environments → this environment → Settings → Users + permissions → Application users), and report what is shown here to the tool's maintainers. Other environments are not affected.".into(),
        }
    }
}

/// A discovery row the client cannot use, with what is known about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnusableInstance {
    /// `EnvironmentId` as given, if it was a string (shown, never put into a URL).
    pub raw_id: Option<String>,
    /// `FriendlyName`, else `UniqueName`, else empty.
    pub name: String,
    /// `Url` as given, if it was a string.
    pub url: Option<String>,
    /// `Region`, if given.
    pub region: Option<String>,
    /// Why it cannot be used.
    pub reason: UnusableReason,
}

/// One row of the instance list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "listed", rename_all = "kebab-case")]
pub enum Listed {
    /// A row the client can work with.
    Usable(Instance),
    /// A row it cannot, with the reason.
    Unusable(UnusableInstance),
}

impl Listed {
    /// The instance, when the row is usable.
    pub fn usable(&self) -> Option<&Instance> {
        match self {
            Listed::Usable(i) => Some(i),
            Listed::Unusable(_) => None,
        }
    }

    /// Reads one `Instances` row; never fails: what cannot be used says why.
    pub fn from_row(row: &Value) -> Listed {
        let Some(obj) = row.as_object() else {
            return Listed::Unusable(UnusableInstance {
                raw_id: None,
                name: String::new(),
                url: None,
                region: None,
                reason: UnusableReason::NotAnObject,
            });
        };
        let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
        let raw_id = text("EnvironmentId");
        let url = text("Url");
        let unusable = |reason| {
            Listed::Unusable(UnusableInstance {
                raw_id: raw_id.clone(),
                name: text("FriendlyName")
                    .filter(|n| !n.trim().is_empty())
                    .or_else(|| text("UniqueName"))
                    .unwrap_or_default(),
                url: url.clone(),
                region: text("Region"),
                reason,
            })
        };
        let environment_id = match raw_id.as_deref().map(EnvironmentId::parse) {
            None => return unusable(UnusableReason::MissingEnvironmentId),
            Some(Err(e)) => {
                return unusable(UnusableReason::BadEnvironmentId {
                    detail: e.to_string(),
                })
            }
            Some(Ok(id)) => id,
        };
        let url = match url.as_deref().map(check_url) {
            None => return unusable(UnusableReason::MissingUrl),
            Some(Err(reason)) => return unusable(reason),
            Some(Ok(u)) => u,
        };
        Listed::Usable(instance(obj, environment_id, url))
    }
}

impl Listed {
    /// The row as `cloud` may use it: a usable row whose `Url` is not one of the cloud's
    /// Dataverse hosts ([`Cloud::is_dataverse_url`]) becomes unusable, so no token goes there.
    pub fn within(self, cloud: &Cloud) -> Listed {
        match self {
            Listed::Usable(i) if !cloud.is_dataverse_url(&i.url) => {
                Listed::Unusable(UnusableInstance {
                    raw_id: Some(i.environment_id.to_string()),
                    name: i.friendly_name,
                    reason: UnusableReason::OutsideCloud {
                        url: i.url.clone(),
                        cloud: cloud.label().to_owned(),
                    },
                    url: Some(i.url),
                    region: i.region,
                })
            }
            other => other,
        }
    }
}

/// The instance from a row whose id and URL were checked; the other fields are informational,
/// so a value of an unexpected type is dropped rather than refusing the row.
fn instance(obj: &Map<String, Value>, environment_id: EnvironmentId, url: String) -> Instance {
    let text = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    let unique_name = text("UniqueName").unwrap_or_default();
    Instance {
        id: text("Id").and_then(|s| OrganizationId::parse(&s).ok()),
        environment_id,
        friendly_name: text("FriendlyName")
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| unique_name.clone()),
        unique_name,
        url_name: text("UrlName"),
        url,
        api_url: text("ApiUrl"),
        region: text("Region"),
        version: text("Version"),
        state: obj.get("State").and_then(Value::as_i64),
        tenant_id: text("TenantId").and_then(|s| TenantId::parse(&s).ok()),
        is_user_sys_admin: obj.get("IsUserSysAdmin").and_then(Value::as_bool),
    }
}

/// A `Url` every request and token audience can be built on: `https://host[:port][/path]`,
/// nothing that could smuggle a query, a fragment, credentials or whitespace into a request.
fn check_url(url: &str) -> Result<String, UnusableReason> {
    let bad = |why: &str| UnusableReason::BadUrl {
        url: url.to_owned(),
        why: why.to_owned(),
    };
    let trimmed = url.trim();
    let Some(rest) = trimmed.strip_prefix("https://") else {
        return Err(if trimmed.is_empty() {
            UnusableReason::MissingUrl
        } else {
            UnusableReason::NotHttps {
                url: url.to_owned(),
            }
        });
    };
    if rest
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '@' | '\\'))
    {
        return Err(bad(
            "it must be a plain https address (no query, fragment, credentials or spaces)",
        ));
    }
    let host_port = rest.split('/').next().unwrap_or_default();
    let (host, port) = match host_port.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (host_port, None),
    };
    if host.is_empty() {
        return Err(bad("it has no host"));
    }
    let labels_ok = host.split('.').all(|l| {
        !l.is_empty()
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    });
    if !labels_ok {
        return Err(bad("its host is not a DNS name"));
    }
    if port.is_some_and(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) || p.len() > 5) {
        return Err(bad("its port is not a number"));
    }
    Ok(trimmed.to_owned())
}

/// The first request for the instance list.
pub fn instances_request(endpoints: &CloudEndpoints) -> HttpRequest {
    odata::get_paged(
        format!("{}/api/discovery/v2.0/Instances", endpoints.discovery),
        &endpoints.discovery,
    )
}

/// Lists every instance of `cloud` (rows whose `Url` is outside it are unusable), following `@odata.nextLink` on the discovery service's own origin for
/// at most [`odata::MAX_PAGES`] pages. A longer list, or a link elsewhere, is an error: the
/// dashboard never shows part of the list as if it were all of it.
pub async fn list_instances(
    client: &impl HttpClient,
    cloud: &Cloud,
) -> Result<Vec<Listed>, ApiError> {
    let rows: Vec<Value> =
        odata::collect_pages(client, instances_request(&cloud.endpoints())).await?;
    Ok(rows
        .iter()
        .map(|row| Listed::from_row(row).within(cloud))
        .collect())
}

#[cfg(test)]
mod tests;
