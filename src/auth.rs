//! What MSAL is told: derived from `config.json` and the page's own address.

use w365_core::cloud::Cloud;

use crate::bridge::msal::MsalConfig;
use crate::config::AppConfig;

/// The redirect page shipped beside `index.html` (see `redirect.html`).
pub const REDIRECT_PAGE: &str = "redirect.html";

/// MSAL's configuration for this page. `page_url` is the page's address without
/// query or fragment; the redirect URI is `redirect.html` beside it, or, in a
/// browser extension, the one `chrome.identity.getRedirectURL()` gives.
pub fn msal_config(config: &AppConfig, client_id: &str, page_url: &str) -> MsalConfig {
    let base = match page_url.rfind('/') {
        Some(slash) => &page_url[..=slash],
        None => page_url,
    };
    let extension = extension_redirect_uri(page_url);
    let endpoints = &config.endpoints;
    let authority = format!(
        "{}/organizations",
        endpoints.authority.trim_end_matches('/')
    );
    // MSAL only trusts the authorities it has built in; any other host (a custom
    // cloud, the demo tenant) has to be named.
    let known_authorities = if matches!(config.cloud, Cloud::Custom(_)) {
        host_of(&endpoints.authority).into_iter().collect()
    } else {
        Vec::new()
    };
    MsalConfig {
        client_id: client_id.to_owned(),
        authority,
        known_authorities,
        browser_extension: extension.is_some(),
        redirect_uri: extension.unwrap_or_else(|| format!("{base}{REDIRECT_PAGE}")),
        login_scopes: vec![format!(
            "{}/user_impersonation",
            endpoints.discovery.trim_end_matches('/')
        )],
        extra_scopes: vec![format!(
            "{}/Application.Read.All",
            endpoints.graph.trim_end_matches('/')
        )],
    }
}

/// `host[:port]` of an absolute URL.
fn host_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| host.to_owned())
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
