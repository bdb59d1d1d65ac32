//! Which redirect URIs and origins an app registration admits.

use crate::http::Ctx;
use crate::state::Tenant;

/// Redirect URIs registered for an app, including the emulator's own origin.
pub fn registered_redirects(tenant: &Tenant, ctx: &Ctx, client_id: &str) -> Vec<String> {
    let mut v = tenant
        .spa_app(client_id)
        .map(|a| a.redirect_uris.clone())
        .unwrap_or_default();
    for a in ctx.local_authorities() {
        v.push(format!("https://{a}/redirect.html"));
        v.push(format!("https://{a}/"));
    }
    v
}

pub fn origin_of(u: &str) -> Option<String> {
    url::Url::parse(u)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

/// Whether `origin` is the origin of a registered redirect URI of any SPA app.
///
/// A browser extension redeems its code from its own page (`chrome-extension://{id}`), while
/// the redirect URI Entra knows is `https://{id}.chromiumapp.org/` (`chrome.identity`'s), so
/// that registration admits the extension's origin, as it does at Entra.
pub fn origin_registered(tenant: &Tenant, ctx: &Ctx, client_id: &str, origin: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    registered_redirects(tenant, ctx, client_id)
        .iter()
        .filter_map(|u| origin_of(u))
        .any(|o| {
            o.eq_ignore_ascii_case(origin)
                || extension_origin(&o).is_some_and(|e| e.eq_ignore_ascii_case(origin))
        })
}

/// `chrome-extension://{id}` for the origin `https://{id}.chromiumapp.org`.
fn extension_origin(origin: &str) -> Option<String> {
    let id = origin
        .strip_prefix("https://")?
        .strip_suffix(".chromiumapp.org")?;
    (!id.is_empty() && !id.contains('.')).then(|| format!("chrome-extension://{id}"))
}
