//! Entra ID v2 sign-in as MSAL.js 5 uses it: metadata, authorize, token, logout. Owns its
//! state (`session.rs`); reads the tenant's directory and app registrations.

pub mod authority;
pub mod authorize;
pub mod consent;
pub mod errors;
pub mod metadata;
pub mod pages;
pub mod redirects;
pub mod session;
pub mod token;

use crate::http::{Ctx, Req, Resp};
use crate::log::GrantOutcome;
use crate::state::Tenant;
use authority::is_known;
use errors::aad_error;
use pages::error_page;
use session::IdentityState;

pub use errors::iso8601;
pub use redirects::origin_registered;
pub use token::issue::mint_access_token;

/// One request to the sign-in service, under `/{tenant}/…`. Returns the answer and, for a
/// token request, what it showed about itself (for the request log).
pub fn handle(
    tenant: &Tenant,
    state: &mut IdentityState,
    ctx: &Ctx,
    req: &Req,
    path: &str,
) -> (Resp, Option<GrantOutcome>) {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let Some((tenant_seg, rest)) = segs.split_first() else {
        return (not_found(), None);
    };
    let rest = rest.join("/");
    let tenant_seg = tenant_seg.to_string();
    if !is_known(tenant, &tenant_seg) {
        // Another directory (or none): Entra says so on its own page at the authorize
        // endpoint, in JSON everywhere else.
        let message = format!("Tenant '{tenant_seg}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
        if rest == "oauth2/v2.0/authorize" {
            return (error_page(400, 90002, &message), None);
        }
        return (
            aad_error(req, None, 400, "invalid_tenant", 90002, &message),
            None,
        );
    }
    let mut grant = None;
    let resp = match (req.method.as_str(), rest.as_str()) {
        ("GET", "discovery/instance") => metadata::instance_discovery(ctx, &tenant_seg),
        ("GET", "v2.0/.well-known/openid-configuration")
        | ("GET", ".well-known/openid-configuration") => {
            metadata::openid_configuration(ctx, tenant, &tenant_seg)
        }
        ("GET", "discovery/v2.0/keys") | ("GET", "discovery/keys") => metadata::keys(ctx, tenant),
        ("GET", "oauth2/v2.0/authorize") => {
            authorize::authorize(tenant, state, ctx, req, &tenant_seg, None)
        }
        ("POST", "oauth2/v2.0/authorize") => {
            let upn = req
                .form()
                .into_iter()
                .find(|(k, _)| k == "upn")
                .map(|(_, v)| v);
            authorize::authorize(tenant, state, ctx, req, &tenant_seg, upn)
        }
        ("POST", "oauth2/v2.0/token") => {
            token::token(tenant, state, ctx, req, &tenant_seg, &mut grant)
        }
        ("GET", "oauth2/v2.0/logout") => authorize::logout(tenant, state, req),
        _ => not_found(),
    };
    (resp, grant)
}

fn not_found() -> Resp {
    Resp::html(404, "<!doctype html><title>Not found</title><h1>404</h1>")
}
