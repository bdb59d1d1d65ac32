//! What MSAL is told: derived from `config.json` and the page's own address.

use w365_core::cloud::{origin_of, Cloud};

use crate::api::transport::scope_for;
use crate::bridge::msal::MsalConfig;
use crate::config::AppConfig;

/// The redirect page shipped beside `index.html` (see `redirect.html`).
const REDIRECT_PAGE: &str = "redirect.html";

/// This page's own address, without query or fragment.
pub fn current_page_url() -> String {
    let href = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    href.split(['?', '#']).next().unwrap_or_default().to_owned()
}

/// Where Microsoft sends the sign-in answer for a page at `page_url`: `redirect.html`
/// beside the page, or, in a browser extension, the address
/// `chrome.identity.getRedirectURL()` gives. Also the SPA redirect URI the Entra
/// app registration must list.
pub fn redirect_uri(page_url: &str) -> String {
    let page_url = page_url.split(['?', '#']).next().unwrap_or_default();
    if let Some(uri) = extension_redirect_uri(page_url) {
        return uri;
    }
    let base = match page_url.rfind('/') {
        Some(slash) => &page_url[..=slash],
        None => page_url,
    };
    format!("{base}{REDIRECT_PAGE}")
}

/// MSAL's configuration for the page at `page_url` (see [`redirect_uri`]): the authority of
/// the configured directory (`organizations` without one), and the Dynamics permission as the
/// only one asked for at sign-in. Graph's is optional: redeemed silently or not at all.
pub fn msal_config(config: &AppConfig, client_id: &str, page_url: &str) -> MsalConfig {
    let endpoints = &config.endpoints;
    let authority = endpoints.authority_for(&config.tenant);
    // MSAL only trusts the authorities it has built in; any other host (a custom
    // cloud, the demo tenant) has to be named.
    let known_authorities = if matches!(config.cloud, Cloud::Custom(_)) {
        let origin = origin_of(&endpoints.authority);
        vec![origin.trim_start_matches("https://").to_owned()]
    } else {
        Vec::new()
    };
    MsalConfig {
        client_id: client_id.to_owned(),
        authority,
        known_authorities,
        browser_extension: extension_redirect_uri(page_url).is_some(),
        redirect_uri: redirect_uri(page_url),
        login_scopes: vec![format!(
            "{}/user_impersonation",
            endpoints.discovery.trim_end_matches('/')
        )],
        optional_scopes: vec![scope_for(endpoints, &endpoints.graph)],
    }
}

/// `https://{id}.chromiumapp.org/` for a page at `chrome-extension://{id}/…`: the
/// address Chromium (Chrome, Edge) reserves for `launchWebAuthFlow`'s answer, and
/// the SPA redirect URI the Entra app registration needs for the extension. The
/// bridge checks it against `chrome.identity.getRedirectURL()`.
pub fn extension_redirect_uri(page_url: &str) -> Option<String> {
    let id = page_url
        .strip_prefix("chrome-extension://")?
        .split(['/', '?', '#'])
        .next()?;
    let valid = id.len() == 32 && id.bytes().all(|b| (b'a'..=b'p').contains(&b));
    valid.then(|| format!("https://{id}.chromiumapp.org/"))
}
