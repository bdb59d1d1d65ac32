//! The token endpoint, split by grant type: the checks every request passes (the client,
//! its origin, the directory), then the authorization code (`code.rs`) or the refresh token
//! (`refresh.rs`) says who it is for, then the tokens are issued (`issue.rs`).

pub mod code;
pub mod issue;
pub mod refresh;
pub mod refusal;

use super::authority::{not_multi_tenant, GENERIC_TENANTS};
use super::errors::aad_error;
use super::redirects::origin_registered;
use super::session::IdentityState;
use crate::http::{Ctx, Req, Resp};
use crate::log::GrantOutcome;
use crate::state::{SignInAudience, Tenant};
use refusal::Refusal;

/// `POST …/oauth2/v2.0/token`. What the request showed about itself (whether its PKCE
/// verifier matched, whether its id token carries another nonce) goes to `grant`, for the
/// request log.
pub fn token(
    tenant: &Tenant,
    state: &mut IdentityState,
    ctx: &Ctx,
    req: &Req,
    tenant_seg: &str,
    grant: &mut Option<GrantOutcome>,
) -> Resp {
    let form = req.form();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let client_id = get("client_id").unwrap_or_default().to_ascii_lowercase();
    let Some(app) = tenant.spa_app(&client_id).cloned() else {
        return aad_error(
            req,
            None,
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                tenant.display_name
            ),
        );
    };
    let Some(origin) = req.origin().map(str::to_string) else {
        return aad_error(
            req,
            None,
            400,
            "invalid_request",
            9002327,
            "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
        );
    };
    if !origin_registered(tenant, ctx, &client_id, &origin) {
        return aad_error(
            req,
            None,
            400,
            "invalid_request",
            9002326,
            &format!("Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '{origin}'."),
        );
    }
    let cors = Some(origin.as_str());
    // A single-tenant registration at a generic authority (reported for refresh at /common;
    // Learn documents the code, not where it appears).
    if app.sign_in_audience == SignInAudience::MyOrg && GENERIC_TENANTS.contains(&tenant_seg) {
        return aad_error(
            req,
            cors,
            400,
            "invalid_request",
            50194,
            &not_multi_tenant(&app),
        );
    }
    let grant_type = get("grant_type").unwrap_or_default();
    let who = match grant_type.as_str() {
        "authorization_code" => code::redeem(state, &form, &client_id, grant),
        "refresh_token" => refresh::redeem(state, &form, &client_id),
        other => Err(Refusal {
            error: "unsupported_grant_type",
            code: 70003,
            message: format!("The app requested an unsupported grant type '{other}'."),
        }),
    };
    let (oid, nonce) = match who {
        Ok(who) => who,
        Err(r) => return aad_error(req, cors, 400, r.error, r.code, &r.message),
    };
    issue::tokens(
        tenant,
        state,
        ctx,
        req,
        &issue::Grant {
            app: &app,
            client_id: &client_id,
            origin: &origin,
            oid: &oid,
            nonce,
            by_code: grant_type == "authorization_code",
            scope: &get("scope").unwrap_or_default(),
        },
        grant,
    )
}
