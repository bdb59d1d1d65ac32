//! `config.json`, read at start from beside `index.html`.
//!
//! ```json
//! { "clientId": "…", "cloud": "public" }
//! { "clientId": "…", "cloud": "custom",
//!   "authority": "https://…", "discovery": "https://…", "graph": "https://…" }
//! ```
//! A missing or empty `clientId` is not an error: the app then explains the Entra
//! app registration instead of failing.

use serde::Deserialize;
use w365_core::cloud::{Cloud, CloudEndpoints};

/// The tool's configuration after validation.
#[derive(Debug, Clone, PartialEq)]
pub struct AppConfig {
    /// The tool's own Entra app registration, if one is configured yet.
    pub client_id: Option<String>,
    /// Which cloud, with its sign-in, discovery and Graph endpoints.
    pub cloud: Cloud,
    pub endpoints: CloudEndpoints,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    client_id: String,
    #[serde(default)]
    cloud: Option<String>,
    authority: Option<String>,
    discovery: Option<String>,
    graph: Option<String>,
}

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
        let cloud = cloud_named(raw.cloud.as_deref().unwrap_or("public"), &raw)?;
        let endpoints = cloud.endpoints();
        let client_id = Some(raw.client_id.trim().to_owned()).filter(|id| !id.is_empty());
        Ok(Self {
            client_id,
            cloud,
            endpoints,
        })
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
        // From here on the browser itself refuses any host outside the configured cloud.
        crate::csp::restrict_to(&config.cloud);
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
            "\"cloud\": {name:?} is not one of {}",
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
