//! What MSAL reads before signing in: instance discovery, the OpenID configuration, the keys.

use serde_json::json;

use super::authority::GENERIC_TENANTS;
use crate::http::{Ctx, Resp};
use crate::state::Tenant;

pub fn instance_discovery(ctx: &Ctx, tenant: &str) -> Resp {
    let base = ctx.identity_base();
    let host = url::Url::parse(&base)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        })
        .unwrap_or_default();
    let aliases = if ctx.prefix_authority.is_some() {
        json!([host])
    } else {
        json!(ctx.cloud.identity_aliases())
    };
    Resp::json(
        200,
        &json!({
            "tenant_discovery_endpoint": format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
            "api-version": "1.1",
            "metadata": [{
                "preferred_network": host,
                "preferred_cache": if ctx.prefix_authority.is_some() { host.clone() } else { ctx.cloud.identity_aliases().get(1).map_or(host.clone(), |a| (*a).to_string()) },
                "aliases": aliases
            }]
        }),
    )
}

pub fn openid_configuration(ctx: &Ctx, tenant: &Tenant, tenant_seg: &str) -> Resp {
    let base = ctx.identity_base();
    let issuer_tenant = if GENERIC_TENANTS.contains(&tenant_seg) {
        "{tenantid}".to_string()
    } else {
        tenant.id.to_string()
    };
    Resp::json(
        200,
        &json!({
            "token_endpoint": format!("{base}/{tenant_seg}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/{tenant_seg}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{base}/{issuer_tenant}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{}/oidc/userinfo", ctx.graph_base()),
            "authorization_endpoint": format!("{base}/{tenant_seg}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/{tenant_seg}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/{tenant_seg}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "tenant_region_scope": "NA",
            "cloud_instance_name": ctx.cloud.instance_name(),
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": ctx.cloud.graph_host(),
            "rbac_url": "https://pas.windows.net"
        }),
    )
}

/// The signing keys (JWKS) tokens are checked with.
pub fn keys(ctx: &Ctx, tenant: &Tenant) -> Resp {
    match crate::jwt::signer() {
        Ok(s) => Resp::json(
            200,
            &s.jwks(&format!("{}/{}/v2.0", ctx.identity_base(), tenant.id)),
        ),
        Err(e) => Resp::json(
            500,
            &json!({"error": "server_error", "error_description": e}),
        ),
    }
}
