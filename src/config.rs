//! `config.json`, read at start from beside `index.html`.
//!
//! ```json
//! { "clientId": "…", "cloud": "public" }
//! { "clientId": "…", "cloud": "custom",
//!   "authority": "https://…", "discovery": "https://…", "graph": "https://…" }
//! { "clientId": "…", "cloud": "choose" }
//! { "clientId": "…", "cloud": ["public", "gcc-high"] }
//! { "clientId": "…", "cloud": "public", "tenant": "contoso.onmicrosoft.com" }
//! ```
//! For automated tests only, `"testing": { "requestTimeoutMs": 1500 }` shortens how long a
//! request may take (it can never lengthen it), so a test of a hung request does not wait
//! the production timeouts out. Nothing else reads it.
//!
//! A missing or empty `clientId` is not an error: the app then explains the Entra
//! app registration instead of failing. `"choose"` lets the admin pick any named cloud on
//! the sign-in screen (and the custom one too when its three URLs are given); a list lets
//! them pick one of those.
//!
//! `"tenant"` (a directory id or a verified domain) is for a single-tenant app registration
//! ("Accounts in this organizational directory only"): sign-in then goes through that
//! directory's authority. Without it the app signs in through `organizations`, which only a
//! multi-tenant registration accepts (Entra answers a single-tenant one with AADSTS50194).

use serde::Deserialize;
use w365_core::cloud::{Cloud, CloudEndpoints, SignInTenant};

/// The tool's configuration after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct AppConfig {
    /// The tool's own Entra app registration, if one is configured yet.
    pub client_id: Option<String>,
    /// Which cloud, with its sign-in, discovery and Graph endpoints (when the admin may
    /// choose: the one preselected on the sign-in screen).
    pub cloud: Cloud,
    pub endpoints: CloudEndpoints,
    /// The clouds the admin may choose from on the sign-in screen; empty when `cloud` is fixed.
    pub choices: Vec<Cloud>,
    /// The directory sign-in goes to: `organizations` unless `"tenant"` names one.
    pub tenant: SignInTenant,
    /// For automated tests only (`"testing": {"requestTimeoutMs": …}`): the longest any request
    /// may take, when shorter than the core's own timeouts.
    pub test_request_timeout_ms: Option<u64>,
}

/// `"cloud"`: one name, `"choose"`, or the names to choose from.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawCloud {
    One(String),
    Choice(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    cloud: Option<RawCloud>,
    #[serde(default)]
    tenant: Option<String>,
    authority: Option<String>,
    discovery: Option<String>,
    graph: Option<String>,
    #[serde(default)]
    testing: Option<RawTesting>,
}

/// `"testing"`: knobs for automated tests; a real deployment leaves it out.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawTesting {
    request_timeout_ms: u64,
}

/// The shortest request timeout a test may ask for: below it, every healthy request fails too.
const MIN_TEST_TIMEOUT_MS: u64 = 200;

/// The `"cloud"` value that lets the admin choose among every named cloud.
const CHOOSE: &str = "choose";

/// Why `config.json` could not be used; the message names the file and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("config.json could not be loaded ({0}); it must sit beside index.html.")]
    Unreachable(String),
    #[error("config.json is not valid: {0}")]
    Invalid(String),
}

impl AppConfig {
    /// Parses and validates the text of `config.json`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let raw: RawConfig =
            serde_json::from_str(text).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let choices = match &raw.cloud {
            None => Vec::new(),
            Some(RawCloud::One(name)) if name != CHOOSE => Vec::new(),
            Some(RawCloud::One(_)) => {
                let mut all: Vec<Cloud> = Cloud::NAMED.into();
                // The custom cloud is offered only when its endpoints are configured.
                if raw.authority.is_some() || raw.discovery.is_some() || raw.graph.is_some() {
                    all.push(cloud_named("custom", &raw)?);
                }
                all
            }
            Some(RawCloud::Choice(names)) => {
                let mut listed = Vec::new();
                for name in names {
                    if name == CHOOSE {
                        return Err(ConfigError::Invalid(format!(
                            "\"cloud\": a list names the clouds to offer; write \"{CHOOSE}\" alone to offer all"
                        )));
                    }
                    let cloud = cloud_named(name, &raw)?;
                    if !listed.contains(&cloud) {
                        listed.push(cloud);
                    }
                }
                if listed.is_empty() {
                    return Err(ConfigError::Invalid(
                        "\"cloud\": the list of clouds to choose from is empty; name at least one"
                            .into(),
                    ));
                }
                listed
            }
        };
        let cloud = match (&raw.cloud, choices.first()) {
            (_, Some(first)) => first.clone(),
            (Some(RawCloud::One(name)), None) => cloud_named(name, &raw)?,
            _ => cloud_named("public", &raw)?,
        };
        let endpoints = cloud.endpoints();
        let client_id = Some(raw.client_id.trim().to_owned()).filter(|id| !id.is_empty());
        let tenant = match &raw.tenant {
            None => SignInTenant::Organizations,
            Some(text) => {
                SignInTenant::parse(text).map_err(|e| ConfigError::Invalid(e.to_string()))?
            }
        };
        let test_request_timeout_ms = match raw.testing {
            Some(RawTesting { request_timeout_ms }) if request_timeout_ms < MIN_TEST_TIMEOUT_MS => {
                return Err(ConfigError::Invalid(format!(
                    "\"testing\": \"requestTimeoutMs\" must be at least {MIN_TEST_TIMEOUT_MS} (it is for automated tests only; leave \"testing\" out in a real deployment)"
                )))
            }
            Some(t) => Some(t.request_timeout_ms),
            None => None,
        };
        Ok(Self {
            client_id,
            cloud,
            endpoints,
            choices,
            tenant,
            test_request_timeout_ms,
        })
    }

    /// The same configuration signed in to `cloud` (one of [`AppConfig::choices`]).
    pub fn with_cloud(&self, cloud: Cloud) -> Self {
        Self {
            endpoints: cloud.endpoints(),
            cloud,
            ..self.clone()
        }
    }

    /// Fetches `config.json` from beside the page.
    pub async fn load() -> Result<Self, ConfigError> {
        let response = gloo_net::http::Request::get("config.json")
            .send()
            .await
            .map_err(|e| ConfigError::Unreachable(e.to_string()))?;
        if !response.ok() {
            return Err(ConfigError::Unreachable(format!(
                "HTTP {}",
                response.status()
            )));
        }
        let text = response
            .text()
            .await
            .map_err(|e| ConfigError::Unreachable(e.to_string()))?;
        let config = Self::parse(&text)?;
        // From here on the browser itself refuses any host outside the configured cloud. A
        // cloud the admin chooses is narrowed to once they are signed in to it (see
        // `ui::sign_in`): the sign-in screen must still reach whichever they pick.
        if config.choices.is_empty() {
            crate::csp::restrict_to(&config.cloud);
        }
        Ok(config)
    }
}

/// A named cloud from the core's table, or a custom one from the three URLs.
fn cloud_named(name: &str, raw: &RawConfig) -> Result<Cloud, ConfigError> {
    if let Some(cloud) = Cloud::NAMED.into_iter().find(|c| c.key() == name) {
        return Ok(cloud);
    }
    if name != "custom" {
        let known: Vec<&str> = Cloud::NAMED
            .iter()
            .map(Cloud::key)
            .chain(["custom"])
            .collect();
        return Err(ConfigError::Invalid(format!(
            "\"cloud\": {name:?} is not one of {} (or \"{CHOOSE}\", or a list of them to choose from)",
            known.join(", ")
        )));
    }
    let field = |value: &Option<String>, which: &str| {
        value.clone().ok_or_else(|| {
            ConfigError::Invalid(format!("a custom cloud needs \"{which}\" (an https URL)"))
        })
    };
    Cloud::custom(
        &field(&raw.authority, "authority")?,
        &field(&raw.discovery, "discovery")?,
        &field(&raw.graph, "graph")?,
    )
    .map_err(|e| ConfigError::Invalid(e.to_string()))
}
