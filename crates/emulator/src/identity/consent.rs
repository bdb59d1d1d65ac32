//! Consent, per permission: what an administrator granted for the tenant, what a user granted
//! for themselves, and what a request names that nobody granted.

use std::collections::BTreeSet;

use super::session::IdentityState;
use crate::auth::resource_app;
use crate::http::Ctx;
use crate::state::{SpaApp, User};

/// The OpenID scopes, which need no consent here.
pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];
/// Delegated permissions only an administrator can grant (Microsoft Graph permissions
/// reference: "Admin consent required: Yes"). Dynamics CRM `user_impersonation` and Graph
/// `User.Read` are user-consentable.
pub const ADMIN_ONLY: [&str; 4] = [
    "graph/Application.Read.All",
    "graph/Application.ReadWrite.All",
    "graph/Directory.Read.All",
    "graph/Directory.ReadWrite.All",
];

/// `{resource app}/{permission}` for a requested scope (`graph/Application.Read.All`,
/// `dynamics/user_impersonation`); `None` for the OpenID scopes, which need no consent here.
fn consent_key(ctx: &Ctx, scope: &str) -> Option<String> {
    if OIDC_SCOPES.contains(&scope) {
        return None;
    }
    let (resource, name) = split_scope(scope);
    Some(format!("{}/{name}", resource_app(ctx, &resource)))
}

/// What `user` has been granted for `app`: the tenant-wide admin consent and their own.
pub fn granted(state: &IdentityState, app: &SpaApp, user: &User) -> BTreeSet<String> {
    let mut all = app.admin_consent.clone();
    if let Some(own) = state
        .consents
        .get(&(user.id.clone(), app.client_id.clone()))
    {
        all.extend(own.iter().cloned());
    }
    all
}

/// Whether a permission key is covered by `granted`: `{app}/.default` stands for whatever
/// was granted of that resource app.
pub fn covered(granted: &BTreeSet<String>, key: &str) -> bool {
    match key.strip_suffix("/.default") {
        Some(resource) => granted
            .iter()
            .any(|g| g.starts_with(&format!("{resource}/"))),
        None => granted.contains(key),
    }
}

/// The permissions `scope` names that nobody granted.
pub fn missing_consent(
    state: &IdentityState,
    ctx: &Ctx,
    app: &SpaApp,
    user: &User,
    scope: &str,
) -> Vec<String> {
    let granted = granted(state, app, user);
    let mut missing: Vec<String> = scope
        .split_whitespace()
        .filter_map(|s| consent_key(ctx, s))
        .filter(|k| !covered(&granted, k))
        .collect();
    missing.sort();
    missing.dedup();
    missing
}

/// Splits `https://host/path/name` into (`https://host/path`, `name`); a bare
/// name such as `User.Read` belongs to Microsoft Graph.
pub fn split_scope(scope: &str) -> (String, String) {
    if scope.contains("://") {
        match scope.rsplit_once('/') {
            Some((r, n))
                if !r.ends_with('/')
                    && r.contains("://")
                    && r.split("://").nth(1).is_some_and(|h| !h.is_empty()) =>
            {
                (r.to_string(), n.to_string())
            }
            _ => (scope.trim_end_matches('/').to_string(), String::new()),
        }
    } else if crate::ids::is_guid(scope.split('/').next().unwrap_or_default()) {
        match scope.split_once('/') {
            Some((r, n)) => (r.to_string(), n.to_string()),
            None => (scope.to_string(), String::new()),
        }
    } else {
        ("https://graph.microsoft.com".to_string(), scope.to_string())
    }
}
