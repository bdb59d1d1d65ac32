//! The cloud table: sign-in authority, Global Discovery and Graph per Microsoft cloud.
//!
//! One source of truth: the app's CSP `connect-src` and the extension's host permissions are
//! generated from [`Cloud::allowed_hosts`], never typed again elsewhere.

use crate::ids::{AppId, TenantId};
use serde::{Deserialize, Serialize};

/// The endpoints of one cloud, each an https origin without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloudEndpoints {
    /// The Entra sign-in authority, e.g. `https://login.microsoftonline.com`.
    pub authority: String,
    /// The Global Discovery Service, e.g. `https://globaldisco.crm.dynamics.com`.
    pub discovery: String,
    /// Microsoft Graph, e.g. `https://graph.microsoft.com`.
    pub graph: String,
}

/// A Microsoft cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cloud {
    /// Commercial cloud.
    Public,
    /// US Government Community Cloud.
    Gcc,
    /// US Government Community Cloud High.
    GccHigh,
    /// US Department of Defense.
    Dod,
    /// China, operated by 21Vianet.
    China,
    /// Any other set of endpoints (e.g. the local emulator); validated by [`Cloud::custom`].
    Custom(CloudEndpoints),
}

/// Why custom endpoints were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the {which} endpoint {url:?} is not usable: {why}")]
pub struct BadEndpoint {
    /// Which of the three endpoints.
    pub which: &'static str,
    /// The URL as given.
    pub url: String,
    /// What is wrong with it.
    pub why: &'static str,
}

/// Dataverse instance host suffixes per cloud, for CSP and host permissions (instances are `*.{suffix}`).
fn dataverse_suffixes(cloud: &Cloud) -> &'static [&'static str] {
    match cloud {
        Cloud::Public => &[
            "crm.dynamics.com",
            "crm2.dynamics.com",
            "crm3.dynamics.com",
            "crm4.dynamics.com",
            "crm5.dynamics.com",
            "crm6.dynamics.com",
            "crm7.dynamics.com",
            "crm8.dynamics.com",
            "crm11.dynamics.com",
            "crm12.dynamics.com",
            "crm14.dynamics.com",
            "crm15.dynamics.com",
            "crm16.dynamics.com",
            "crm17.dynamics.com",
            "crm19.dynamics.com",
            "crm20.dynamics.com",
            "crm21.dynamics.com",
        ],
        Cloud::Gcc => &["crm9.dynamics.com"],
        Cloud::GccHigh => &["crm.microsoftdynamics.us"],
        Cloud::Dod => &["crm.appsplatform.us"],
        Cloud::China => &["crm.dynamics.cn"],
        Cloud::Custom(_) => &[],
    }
}

impl Cloud {
    /// All named clouds (not Custom), for pickers.
    pub const NAMED: [Cloud; 5] = [
        Cloud::Public,
        Cloud::Gcc,
        Cloud::GccHigh,
        Cloud::Dod,
        Cloud::China,
    ];

    /// Builds a custom cloud, refusing anything that is not an https origin.
    pub fn custom(authority: &str, discovery: &str, graph: &str) -> Result<Cloud, BadEndpoint> {
        Ok(Cloud::Custom(CloudEndpoints {
            authority: validate_base("authority", authority)?,
            discovery: validate_base("discovery", discovery)?,
            graph: validate_base("graph", graph)?,
        }))
    }

    /// The short name used in serialisation and settings (`public`, `gcc`, `gcc-high`, ...).
    pub fn key(&self) -> &'static str {
        match self {
            Cloud::Public => "public",
            Cloud::Gcc => "gcc",
            Cloud::GccHigh => "gcc-high",
            Cloud::Dod => "dod",
            Cloud::China => "china",
            Cloud::Custom(_) => "custom",
        }
    }

    /// A human label.
    pub fn label(&self) -> &'static str {
        match self {
            Cloud::Public => "Commercial",
            Cloud::Gcc => "US Government (GCC)",
            Cloud::GccHigh => "US Government (GCC High)",
            Cloud::Dod => "US Department of Defense",
            Cloud::China => "China (21Vianet)",
            Cloud::Custom(_) => "Custom",
        }
    }

    /// The three endpoints of this cloud.
    pub fn endpoints(&self) -> CloudEndpoints {
        let (a, d, g) = match self {
            Cloud::Public => (
                "https://login.microsoftonline.com",
                "https://globaldisco.crm.dynamics.com",
                "https://graph.microsoft.com",
            ),
            Cloud::Gcc => (
                "https://login.microsoftonline.com",
                "https://globaldisco.crm9.dynamics.com",
                "https://graph.microsoft.com",
            ),
            Cloud::GccHigh => (
                "https://login.microsoftonline.us",
                "https://globaldisco.crm.microsoftdynamics.us",
                "https://graph.microsoft.us",
            ),
            Cloud::Dod => (
                "https://login.microsoftonline.us",
                "https://globaldisco.crm.appsplatform.us",
                "https://dod-graph.microsoft.us",
            ),
            Cloud::China => (
                "https://login.chinacloudapi.cn",
                "https://globaldisco.crm.dynamics.cn",
                "https://microsoftgraph.chinacloudapi.cn",
            ),
            Cloud::Custom(e) => return e.clone(),
        };
        CloudEndpoints {
            authority: a.into(),
            discovery: d.into(),
            graph: g.into(),
        }
    }

    /// The hosts the app must be allowed to reach in this cloud, as CSP sources
    /// (`https://host` or `https://*.suffix`), in a stable order.
    pub fn allowed_hosts(&self) -> Vec<String> {
        let e = self.endpoints();
        let mut hosts: Vec<String> = [e.authority, e.discovery, e.graph]
            .iter()
            .map(|base| origin_of(base))
            .collect();
        hosts.extend(
            dataverse_suffixes(self)
                .iter()
                .map(|s| format!("https://*.{s}")),
        );
        hosts.dedup();
        hosts
    }

    /// The Power Platform admin center's origin in this cloud, where the browser extension
    /// offers its button; `None` where Microsoft documents none (China) or for a custom cloud.
    /// Not in [`Cloud::allowed_hosts`]: the app never calls it.
    pub fn admin_center(&self) -> Option<&'static str> {
        match self {
            Cloud::Public => Some("https://admin.powerplatform.microsoft.com"),
            // GCC, GCC High: power-platform `admin/powerapps-us-government.md` and
            // power-automate-docs `articles/us-govt.md` ("US Government service URLs").
            Cloud::Gcc => Some("https://gcc.admin.powerplatform.microsoft.us"),
            Cloud::GccHigh => Some("https://high.admin.powerplatform.microsoft.us"),
            // DoD: power-automate-docs `articles/us-govt.md`.
            Cloud::Dod => Some("https://admin.appsplatform.us"),
            Cloud::China | Cloud::Custom(_) => None,
        }
    }

    /// The hosts of every named cloud together, for a build that serves all clouds.
    pub fn all_allowed_hosts() -> Vec<String> {
        let mut all: Vec<String> = Cloud::NAMED.iter().flat_map(Cloud::allowed_hosts).collect();
        all.sort();
        all.dedup();
        all
    }
}

impl CloudEndpoints {
    /// The admin-consent URL a tenant admin opens to let a vendor app into the tenant:
    /// `{authority}/{tenant}/adminconsent?client_id={appId}` (tenant `organizations` when unknown).
    pub fn admin_consent_url(&self, tenant: Option<&TenantId>, app: &AppId) -> String {
        let tenant = tenant.map_or("organizations", TenantId::as_str);
        format!(
            "{}/{}/adminconsent?client_id={}",
            self.authority, tenant, app
        )
    }
}

/// A custom endpoint is an https base URL: an origin, optionally with a path prefix
/// (the demo tenant and path-routed private clouds live under one origin).
fn validate_base(which: &'static str, url: &str) -> Result<String, BadEndpoint> {
    let bad = |why| BadEndpoint {
        which,
        url: url.to_owned(),
        why,
    };
    let trimmed = url.trim().trim_end_matches('/');
    let rest = trimmed
        .strip_prefix("https://")
        .ok_or_else(|| bad("it must start with https://"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(bad("it has no host"));
    }
    if rest.contains(['?', '#', ' ', '@', '\\']) {
        return Err(bad(
            "it must be a plain https base URL (no query, fragment, credentials or spaces)",
        ));
    }
    Ok(trimmed.to_owned())
}

/// `https://host[:port]` of a validated base URL, for CSP sources and host permissions.
pub fn origin_of(base: &str) -> String {
    match base.strip_prefix("https://") {
        Some(rest) => format!("https://{}", rest.split('/').next().unwrap_or_default()),
        None => base.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_centers_are_https_origins_outside_the_hosts_the_app_calls() {
        for cloud in Cloud::NAMED {
            if let Some(origin) = cloud.admin_center() {
                assert_eq!(origin_of(origin), origin, "{cloud:?}");
                assert!(
                    !cloud.allowed_hosts().iter().any(|h| h == origin),
                    "{cloud:?}"
                );
            }
        }
        assert_eq!(Cloud::China.admin_center(), None);
        let custom = Cloud::custom(
            "https://a.example",
            "https://b.example",
            "https://c.example",
        );
        assert_eq!(custom.map(|c| c.admin_center()), Ok(None));
    }
}
