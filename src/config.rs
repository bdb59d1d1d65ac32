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

use js_sys::{Array, Object, JSON};
use w365_core::cloud::{Cloud, CloudEndpoints, SignInTenant};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

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
#[derive(Debug)]
enum RawCloud {
    One(String),
    Choice(Vec<String>),
}

/// config.json as written, before validation.
#[derive(Debug, Default)]
struct RawConfig {
    client_id: String,
    cloud: Option<RawCloud>,
    tenant: Option<String>,
    authority: Option<String>,
    discovery: Option<String>,
    graph: Option<String>,
    testing: Option<RawTesting>,
}

/// `"testing"`: knobs for automated tests; a real deployment leaves it out.
#[derive(Debug)]
struct RawTesting {
    request_timeout_ms: u64,
}

/// The fields config.json may have; anything else is refused by name (a typo is never
/// silently ignored).
const FIELDS: [&str; 7] = [
    "clientId",
    "cloud",
    "tenant",
    "authority",
    "discovery",
    "graph",
    "testing",
];

/// The fields of `"testing"`.
const TESTING_FIELDS: [&str; 1] = ["requestTimeoutMs"];

impl RawConfig {
    /// Reads config.json's text with the browser's own JSON parser (the sign-in shell carries
    /// no JSON library of its own: README, "How the production build is made").
    fn read(text: &str) -> Result<Self, String> {
        let value = JSON::parse(text).map_err(|e| {
            e.dyn_ref::<js_sys::Error>()
                .map(|e| String::from(e.message()))
                .unwrap_or_else(|| "not JSON".into())
        })?;
        let object = fields_of(&value, "config.json", &FIELDS)?;
        let text_field = |name: &str| -> Result<Option<String>, String> {
            match object.get(name) {
                None => Ok(None),
                Some(v) => v
                    .as_string()
                    .map(Some)
                    .ok_or_else(|| format!("\"{name}\" must be a string")),
            }
        };
        let cloud = match object.get("cloud") {
            None => None,
            Some(v) if v.is_string() => v.as_string().map(RawCloud::One),
            Some(v) if Array::is_array(v) => {
                let names: Option<Vec<String>> =
                    Array::from(v).iter().map(|n| n.as_string()).collect();
                Some(RawCloud::Choice(names.ok_or(
                    "\"cloud\": a list of clouds must hold their names (strings)",
                )?))
            }
            Some(_) => {
                return Err(
                    "\"cloud\" must be a cloud's name or a list of names to choose from".into(),
                )
            }
        };
        let testing = match object.get("testing") {
            None => None,
            Some(v) => {
                let testing = fields_of(v, "\"testing\"", &TESTING_FIELDS)?;
                let ms = testing
                    .get("requestTimeoutMs")
                    .and_then(JsValue::as_f64)
                    .filter(|ms| ms.fract() == 0.0 && (0.0..=9_007_199_254_740_991.0).contains(ms))
                    .ok_or(
                        "\"testing\": \"requestTimeoutMs\" must be a whole number of milliseconds",
                    )?;
                Some(RawTesting {
                    request_timeout_ms: ms as u64,
                })
            }
        };
        Ok(RawConfig {
            client_id: text_field("clientId")?.unwrap_or_default(),
            cloud,
            tenant: text_field("tenant")?,
            authority: text_field("authority")?,
            discovery: text_field("discovery")?,
            graph: text_field("graph")?,
            testing,
        })
    }
}

/// The members of a JSON object whose member names must all be `allowed`.
fn fields_of(
    value: &JsValue,
    what: &str,
    allowed: &[&str],
) -> Result<Vec<(String, JsValue)>, String> {
    if !value.is_object() || Array::is_array(value) {
        return Err(format!("{what} must be a JSON object"));
    }
    let object: &Object = value.unchecked_ref();
    let mut fields = Vec::new();
    for entry in Object::entries(object).iter() {
        let entry = Array::from(&entry);
        let name = entry.get(0).as_string().unwrap_or_default();
        if !allowed.contains(&name.as_str()) {
            return Err(format!(
                "{what} has an unknown field \"{name}\"; it takes {}",
                allowed.join(", ")
            ));
        }
        // `null` is as good as leaving the field out.
        let value = entry.get(1);
        if !value.is_null() {
            fields.push((name, value));
        }
    }
    Ok(fields)
}

/// A member of [`fields_of`]'s answer by name.
trait Field {
    fn get(&self, name: &str) -> Option<&JsValue>;
}

impl Field for Vec<(String, JsValue)> {
    fn get(&self, name: &str) -> Option<&JsValue> {
        self.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
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
        let raw = RawConfig::read(text).map_err(ConfigError::Invalid)?;
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
        let unreachable = |e: JsValue| {
            ConfigError::Unreachable(
                e.dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .unwrap_or_else(|| "the browser refused the request".into()),
            )
        };
        let window = web_sys::window().ok_or(ConfigError::Unreachable("no window".into()))?;
        let response: web_sys::Response = JsFuture::from(window.fetch_with_str("config.json"))
            .await
            .map_err(unreachable)?
            .unchecked_into();
        if !response.ok() {
            return Err(ConfigError::Unreachable(format!(
                "HTTP {}",
                response.status()
            )));
        }
        let text = JsFuture::from(response.text().map_err(unreachable)?)
            .await
            .map_err(unreachable)?
            .as_string()
            .unwrap_or_default();
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
