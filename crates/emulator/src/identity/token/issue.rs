//! Issuing the tokens of a valid grant: one resource per request, every permission asked for
//! granted (a refresh token never grants consent), `.default` for whatever was granted.

use serde_json::{json, Value};

use crate::auth::resource_app;
use crate::http::{Ctx, Req, Resp};
use crate::identity::consent::{covered, granted, split_scope, OIDC_SCOPES};
use crate::identity::errors::aad_error;
use crate::identity::session::{IdentityState, RefreshGrant};
use crate::ids::{det_guid, opaque, ObjectId};
use crate::log::GrantOutcome;
use crate::state::{SpaApp, Tenant, User};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// A grant that passed: for whom, by which app, from which origin, asking what.
pub struct Grant<'a> {
    pub app: &'a SpaApp,
    pub client_id: &'a str,
    pub origin: &'a str,
    pub oid: &'a ObjectId,
    /// The nonce of the authorization request (a code's; a refresh has none).
    pub nonce: Option<String>,
    /// Whether the grant was an authorization code.
    pub by_code: bool,
    pub scope: &'a str,
}

/// The access, id and refresh tokens for `g`, or why not.
pub fn tokens(
    tenant: &Tenant,
    state: &mut IdentityState,
    ctx: &Ctx,
    req: &Req,
    g: &Grant<'_>,
    outcome: &mut Option<GrantOutcome>,
) -> Resp {
    let Some(user) = tenant.user_by_oid(g.oid.as_str()).cloned() else {
        return aad_error(
            req,
            Some(g.origin),
            400,
            "invalid_grant",
            50034,
            "The user account does not exist in the directory.",
        );
    };

    // One resource per token request.
    let scope = g.scope;
    let mut oidc = Vec::new();
    let mut resource: Option<String> = None;
    let mut names = Vec::new();
    let mut full = Vec::new();
    for s in scope.split_whitespace() {
        if OIDC_SCOPES.contains(&s) {
            oidc.push(s.to_string());
            continue;
        }
        let (r, n) = split_scope(s);
        let r = r.trim_end_matches('/').to_string();
        match &resource {
            Some(existing) if !existing.eq_ignore_ascii_case(&r) => {
                return aad_error(
                    req,
                    Some(g.origin),
                    400,
                    "invalid_request",
                    28000,
                    &format!("Provided value for the input parameter scope is not valid because it contains more than one resource. Scope {scope} is not valid."),
                );
            }
            _ => resource = Some(r),
        }
        names.push(n);
        full.push(s.to_string());
    }
    let (resource, names) = match resource {
        Some(r) => {
            let app_key = resource_app(ctx, &r);
            // Every permission asked for must have been granted, by an administrator for the
            // tenant or by this user: a refresh token never grants consent.
            let granted = granted(state, g.app, &user);
            let consented = names
                .iter()
                .all(|n| covered(&granted, &format!("{app_key}/{n}")));
            if !consented {
                let mut resp = aad_error(
                    req,
                    Some(g.origin),
                    400,
                    "invalid_grant",
                    65001,
                    &format!("The user or administrator has not consented to use the application with ID '{}' named '{}'. Send an interactive authorization request for this user and resource.", g.client_id, g.app.display_name),
                );
                if let Ok(mut v) = serde_json::from_slice::<Value>(&resp.body) {
                    v["suberror"] = json!("consent_required");
                    resp.body = v.to_string().into_bytes();
                }
                return resp;
            }
            // `.default`: whatever of that resource app was granted.
            let names: Vec<String> = if names.iter().any(|n| n == ".default") {
                let prefix = format!("{app_key}/");
                granted
                    .iter()
                    .filter_map(|g| g.strip_prefix(&prefix))
                    .map(str::to_owned)
                    .collect()
            } else {
                names
            };
            (r, names)
        }
        None => {
            full = vec!["User.Read".into()];
            (ctx.graph_base(), vec!["User.Read".to_string()])
        }
    };
    let lifetime = ctx.token_lifetime_secs;
    let access = match mint_access_token(tenant, &user, g.client_id, &resource, &names, lifetime) {
        Ok(t) => t,
        Err(e) => return aad_error(req, Some(g.origin), 500, "server_error", 90000, &e),
    };
    let Ok(signer) = crate::jwt::signer() else {
        return aad_error(
            req,
            Some(g.origin),
            500,
            "server_error",
            90000,
            "no signing key",
        );
    };
    let now = crate::jwt::now();
    let mut id_claims = json!({
        "aud": g.client_id, "iss": format!("{}/{}/v2.0", ctx.identity_base(), tenant.id),
        "iat": now, "nbf": now, "exp": now + 3600,
        "sub": det_guid(&format!("sub/{}/{}", user.id, g.client_id)),
        "oid": user.id, "tid": tenant.id, "name": user.display_name,
        "preferred_username": user.upn, "ver": "2.0"
    });
    if let Some(n) = &g.nonce {
        // A control-plane switch (`POST /_emulator/wrong-nonce`) answers the next code
        // redemptions with another nonce, as an attacker's injected code would.
        let altered = g.by_code && state.wrong_nonce > 0;
        if altered {
            state.wrong_nonce -= 1;
            if let Some(o) = outcome.as_mut() {
                o.nonce_altered = true;
            }
        }
        id_claims["nonce"] = json!(if altered {
            format!("not-{n}")
        } else {
            n.clone()
        });
    }
    let id_token = signer.sign(&id_claims);
    let refresh = opaque(64);
    state.refresh.insert(
        refresh.clone(),
        RefreshGrant {
            oid: user.id.clone(),
            client_id: g.app.client_id.clone(),
            revoked: false,
        },
    );
    let mut scope_out = full;
    scope_out.extend(oidc.into_iter().filter(|s| s != "offline_access"));
    Resp::json(
        200,
        &json!({
            "token_type": "Bearer",
            "scope": scope_out.join(" "),
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access,
            "refresh_token": refresh,
            "id_token": id_token,
            "client_info": client_info(user.id.as_str(), tenant.id.as_str()),
        }),
    )
    .header("Access-Control-Allow-Origin", g.origin)
    .header("Vary", "Origin")
    .header("Cache-Control", "no-store")
}

/// The `client_info` MSAL reads: the user's and the tenant's ids.
pub fn client_info(oid: &str, tid: &str) -> String {
    URL_SAFE_NO_PAD.encode(json!({"uid": oid, "utid": tid}).to_string())
}

/// Mints an access token exactly as the token endpoint does.
pub fn mint_access_token(
    tenant: &Tenant,
    user: &User,
    client_id: &str,
    resource: &str,
    scopes: &[String],
    lifetime_secs: i64,
) -> Result<String, String> {
    let signer = crate::jwt::signer()?;
    let now = crate::jwt::now();
    let claims = json!({
        "aud": resource.trim_end_matches('/'),
        "iss": format!("https://sts.windows.net/{}/", tenant.id),
        "iat": now, "nbf": now, "exp": now + lifetime_secs,
        "scp": scopes.join(" "),
        "oid": user.id, "tid": tenant.id, "upn": user.upn, "unique_name": user.upn,
        "name": user.display_name, "appid": client_id, "appidacr": "0", "idtyp": "user",
        "uti": opaque(16), "ver": "1.0"
    });
    Ok(signer.sign(&claims))
}
