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

/// The Dataverse domain of each cloud, as a CSP source and match-pattern suffix (`*.{domain}`).
///
/// The public cloud's environments are `{org}.crm{N}.dynamics.com`, one `N` per data-center
/// region, and Microsoft adds regions over time (crm22 is reported, unconfirmed). CSP sources
/// and extension match patterns accept `*` only as a whole leading label (`*.example.com`), so
/// `*.crm*.dynamics.com` cannot be written and a list of regions misses the next one: the
/// narrowest source that covers every region is `*.dynamics.com`. What the app itself sends a
/// token to is checked precisely, host by host, with [`Cloud::is_dataverse_host`].
fn dataverse_domain(cloud: &Cloud) -> Option<&'static str> {
    match cloud {
        Cloud::Public => Some("dynamics.com"),
        Cloud::Gcc => Some(GCC_DATAVERSE),
        Cloud::GccHigh => Some("crm.microsoftdynamics.us"),
        Cloud::Dod => Some("crm.appsplatform.us"),
        Cloud::China => Some("crm.dynamics.cn"),
        Cloud::Custom(_) => None,
    }
}

/// GCC's one Dataverse region, which the public cloud's `crm{N}` pattern must leave out.
const GCC_DATAVERSE: &str = "crm9.dynamics.com";

/// Whether `label` is one DNS label: letters, digits and inner hyphens, 1 to 63 characters.
fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
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
        hosts.extend(dataverse_domain(self).map(|d| format!("https://*.{d}")));
        hosts.dedup();
        hosts
    }

    /// Whether `host` (a URL's host, with its port if it has one) is a Dataverse environment of
    /// this cloud, so that a token for it may be sent there. Public: `{org}.crm{N}.dynamics.com`
    /// for any region `N` (none, or digits) except GCC's `crm9`; GCC: `{org}.crm9.dynamics.com`;
    /// GCC High, DoD, China: `{org}.` under their Dataverse domain; a custom cloud: its discovery
    /// endpoint's own host (the one Dataverse host its policy admits). Never the discovery host.
    pub fn is_dataverse_host(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        if let Cloud::Custom(e) = self {
            let discovery = origin_of(&e.discovery);
            return discovery.strip_prefix("https://") == Some(host.as_str());
        }
        let discovery = origin_of(&self.endpoints().discovery);
        if discovery.strip_prefix("https://") == Some(host.as_str()) {
            return false;
        }
        let Some((org, region)) = host.split_once('.') else {
            return false;
        };
        if !is_dns_label(org) {
            return false;
        }
        match self {
            Cloud::Public => region
                .strip_suffix(".dynamics.com")
                .and_then(|crm| crm.strip_prefix("crm"))
                .is_some_and(|n| {
                    n.bytes().all(|b| b.is_ascii_digit())
                        && !n.starts_with('0')
                        && region != GCC_DATAVERSE
                }),
            _ => dataverse_domain(self) == Some(region),
        }
    }

    /// [`Cloud::is_dataverse_host`] for a whole URL: `https://{host}/…`, nothing else.
    pub fn is_dataverse_url(&self, url: &str) -> bool {
        let Some(rest) = url.strip_prefix("https://") else {
            return false;
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        !authority.contains('@') && self.is_dataverse_host(authority)
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

/// The directory a sign-in goes to: the last segment of the authority URL.
///
/// A multi-tenant registration ("Accounts in any organizational directory") signs in through
/// `organizations`; a single-tenant one ("Accounts in this organizational directory only") must
/// name its directory, by id or by a verified domain: Entra refuses it at the generic
/// authorities with AADSTS50194 (MSAL.js `lib/msal-browser/docs/initialization.md`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SignInTenant {
    /// Any work or school directory: for a multi-tenant registration.
    Organizations,
    /// One directory by its id.
    Directory(TenantId),
    /// One directory by one of its verified domains, lowercase (e.g. `contoso.onmicrosoft.com`).
    Domain(String),
}

/// Why a `"tenant"` setting was refused; the message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"tenant\": {input:?} {why}")]
pub struct BadTenant {
    /// The text as given.
    pub input: String,
    /// What is wrong with it and what to write.
    pub why: &'static str,
}

impl SignInTenant {
    /// Reads a configured tenant: a directory (tenant) id, or a domain such as
    /// `contoso.onmicrosoft.com`. The generic authorities are refused: leaving the setting out
    /// is how a multi-tenant registration is configured.
    pub fn parse(input: &str) -> Result<SignInTenant, BadTenant> {
        let bad = |why| BadTenant {
            input: input.to_owned(),
            why,
        };
        let text = input.trim().to_ascii_lowercase();
        if text.is_empty() {
            return Err(bad("is empty: write the directory (tenant) id or a verified domain, or leave \"tenant\" out for a multi-tenant registration"));
        }
        if ["organizations", "common", "consumers"].contains(&text.as_str()) {
            return Err(bad("is a generic authority, not a directory: leave \"tenant\" out for a multi-tenant registration, or write your directory (tenant) id for a single-tenant one"));
        }
        if text.contains(['/', ':', '@', '?', '#', ' ']) {
            return Err(bad("must be only the directory (tenant) id or a domain, not a URL or an account: e.g. 8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30 or contoso.onmicrosoft.com"));
        }
        if let Ok(id) = TenantId::parse(&text) {
            return Ok(SignInTenant::Directory(id));
        }
        let labels: Vec<&str> = text.split('.').collect();
        let top = labels.last().copied().unwrap_or_default();
        let domain = text.len() <= 253
            && labels.len() >= 2
            && labels.iter().all(|l| is_dns_label(l))
            && top.len() >= 2
            && !top.bytes().all(|b| b.is_ascii_digit());
        if !domain {
            return Err(bad("is neither a directory (tenant) id (a GUID, as shown on the app registration's Overview) nor a domain name such as contoso.onmicrosoft.com"));
        }
        Ok(SignInTenant::Domain(text))
    }

    /// The authority's last segment: `organizations`, the id, or the domain.
    pub fn segment(&self) -> &str {
        match self {
            SignInTenant::Organizations => "organizations",
            SignInTenant::Directory(id) => id.as_str(),
            SignInTenant::Domain(domain) => domain,
        }
    }

    /// Whether this names one directory (a single-tenant registration can sign in through it).
    pub fn is_specific(&self) -> bool {
        !matches!(self, SignInTenant::Organizations)
    }
}

impl CloudEndpoints {
    /// The MSAL authority for `tenant`: `{authority}/{segment}`, e.g.
    /// `https://login.microsoftonline.com/organizations` or, for a custom cloud with a path
    /// prefix, `https://host/login/{tenant id}`.
    pub fn authority_for(&self, tenant: &SignInTenant) -> String {
        format!(
            "{}/{}",
            self.authority.trim_end_matches('/'),
            tenant.segment()
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
mod tests;
