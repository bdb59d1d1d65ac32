//! Entra ID v2 sign-in as MSAL.js 5 uses it: metadata, authorize, token, logout.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::auth::resource_app;
use crate::http::{Ctx, Req, Resp};
use crate::ids::{det_guid, new_guid, opaque};
use crate::server::{GrantOutcome, Shared};
use crate::state::{SignInAudience, SpaApp, Tenant, User, UserConsent};

const SESSION_COOKIE: &str = "ESTSAUTH";
const CODE_LIFETIME: Duration = Duration::from_secs(600);
const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "offline_access", "email"];
/// The authority segments that name no directory.
const GENERIC_TENANTS: [&str; 3] = ["organizations", "common", "consumers"];
/// Delegated permissions only an administrator can grant (Microsoft Graph permissions
/// reference: "Admin consent required: Yes"). Dynamics CRM `user_impersonation` and Graph
/// `User.Read` are user-consentable.
const ADMIN_ONLY: [&str; 4] = [
    "graph/Application.Read.All",
    "graph/Application.ReadWrite.All",
    "graph/Directory.Read.All",
    "graph/Directory.ReadWrite.All",
];

/// An issued, not yet redeemed authorization code.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub oid: String,
    pub challenge: String,
    pub nonce: Option<String>,
    pub issued: Instant,
}

/// What a refresh token stands for.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub oid: String,
    pub client_id: String,
    /// Revoked by `POST /_emulator/revoke-sign-in` (as Entra's revokeSignInSessions does).
    pub revoked: bool,
}

pub fn handle(sh: &mut Shared, ctx: &Ctx, req: &Req, path: &str) -> Resp {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let Some((tenant_seg, rest)) = segs.split_first() else {
        return not_found();
    };
    let rest = rest.join("/");
    let tenant_seg = tenant_seg.to_string();
    let known = GENERIC_TENANTS.contains(&tenant_seg.as_str())
        || tenant_seg.eq_ignore_ascii_case(&sh.tenant.id)
        || tenant_seg.eq_ignore_ascii_case(&sh.tenant.domain);
    if !known {
        // Another directory (or none): Entra says so on its own page at the authorize
        // endpoint, in JSON everywhere else.
        let message = format!("Tenant '{tenant_seg}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.");
        if rest == "oauth2/v2.0/authorize" {
            return error_page(400, 90002, &message);
        }
        return aad_error(req, None, 400, "invalid_tenant", 90002, &message);
    }
    match (req.method.as_str(), rest.as_str()) {
        ("GET", "discovery/instance") => instance_discovery(ctx, &tenant_seg),
        ("GET", "v2.0/.well-known/openid-configuration")
        | ("GET", ".well-known/openid-configuration") => {
            openid_configuration(ctx, &sh.tenant, &tenant_seg)
        }
        ("GET", "discovery/v2.0/keys") | ("GET", "discovery/keys") => match crate::jwt::signer() {
            Ok(s) => Resp::json(
                200,
                &s.jwks(&format!("{}/{}/v2.0", ctx.identity_base(), sh.tenant.id)),
            ),
            Err(e) => Resp::json(
                500,
                &json!({"error": "server_error", "error_description": e}),
            ),
        },
        ("GET", "oauth2/v2.0/authorize") => authorize(sh, ctx, req, &tenant_seg, None),
        ("POST", "oauth2/v2.0/authorize") => {
            let upn = req
                .form()
                .into_iter()
                .find(|(k, _)| k == "upn")
                .map(|(_, v)| v);
            authorize(sh, ctx, req, &tenant_seg, upn)
        }
        ("POST", "oauth2/v2.0/token") => token(sh, ctx, req, &tenant_seg),
        ("GET", "oauth2/v2.0/logout") => logout(sh, req),
        _ => not_found(),
    }
}

fn not_found() -> Resp {
    Resp::html(404, "<!doctype html><title>Not found</title><h1>404</h1>")
}

fn instance_discovery(ctx: &Ctx, tenant: &str) -> Resp {
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

fn openid_configuration(ctx: &Ctx, tenant: &Tenant, tenant_seg: &str) -> Resp {
    let base = ctx.identity_base();
    let issuer_tenant = if ["organizations", "common", "consumers"].contains(&tenant_seg) {
        "{tenantid}".to_string()
    } else {
        tenant.id.clone()
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

/// Redirect URIs registered for an app, including the emulator's own origin.
pub fn registered_redirects(sh: &Shared, ctx: &Ctx, client_id: &str) -> Vec<String> {
    let mut v = sh
        .tenant
        .spa_app(client_id)
        .map(|a| a.redirect_uris.clone())
        .unwrap_or_default();
    for a in ctx.local_authorities() {
        v.push(format!("https://{a}/redirect.html"));
        v.push(format!("https://{a}/"));
    }
    v
}

fn origin_of(u: &str) -> Option<String> {
    url::Url::parse(u)
        .ok()
        .map(|u| u.origin().ascii_serialization())
}

/// Whether `origin` is the origin of a registered redirect URI of any SPA app.
///
/// A browser extension redeems its code from its own page (`chrome-extension://{id}`), while
/// the redirect URI Entra knows is `https://{id}.chromiumapp.org/` (`chrome.identity`'s), so
/// that registration admits the extension's origin, as it does at Entra.
pub fn origin_registered(sh: &Shared, ctx: &Ctx, client_id: &str, origin: &str) -> bool {
    let origin = origin.trim_end_matches('/');
    registered_redirects(sh, ctx, client_id)
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

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

fn error_page(status: u16, code: u32, message: &str) -> Resp {
    Resp::html(
        status,
        format!(
            "<!doctype html><html><head><title>Sign in</title></head><body><h1>Sorry, but we're having trouble signing you in.</h1><p id=\"error\">AADSTS{code}: {}</p></body></html>",
            html_escape(message)
        ),
    )
}

fn append_response(redirect_uri: &str, mode: &str, pairs: &[(&str, &str)]) -> String {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        ser.append_pair(k, v);
    }
    let encoded = ser.finish();
    if mode == "query" {
        let sep = if redirect_uri.contains('?') { '&' } else { '?' };
        format!("{redirect_uri}{sep}{encoded}")
    } else {
        format!("{redirect_uri}#{encoded}")
    }
}

fn authorize(
    sh: &mut Shared,
    ctx: &Ctx,
    req: &Req,
    tenant_seg: &str,
    chosen: Option<String>,
) -> Resp {
    let p = req.params();
    let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let client_id = get("client_id").unwrap_or_default().to_ascii_lowercase();
    let Some(app) = sh.tenant.spa_app(&client_id).cloned() else {
        return error_page(
            400,
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                sh.tenant.display_name
            ),
        );
    };
    let redirect_uri = get("redirect_uri").unwrap_or_default();
    if !registered_redirects(sh, ctx, &client_id).contains(&redirect_uri) {
        return error_page(
            400,
            50011,
            &format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'."),
        );
    }
    let mode = get("response_mode").unwrap_or_else(|| "query".into());
    if mode != "query" && mode != "fragment" {
        return error_page(
            400,
            900144,
            &format!("The response_mode '{mode}' is not supported by the emulator."),
        );
    }
    let state = get("state").unwrap_or_default();
    let answer = |pairs: &[(&str, &str)]| append_response(&redirect_uri, &mode, pairs);
    let fail = |error: &str, code: u32, desc: &str| {
        Resp::redirect(&answer(&[
            ("error", error),
            ("error_description", &format!("AADSTS{code}: {desc}")),
            ("state", &state),
        ]))
    };
    if get("response_type").as_deref() != Some("code") {
        return fail(
            "unsupported_response_type",
            700054,
            "response_type 'code' is required.",
        );
    }
    let challenge = get("code_challenge").unwrap_or_default();
    if challenge.is_empty() || get("code_challenge_method").as_deref() != Some("S256") {
        return fail(
            "invalid_request",
            9002325,
            "Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
        );
    }
    let prompt = get("prompt").unwrap_or_default();
    let login_hint = get("login_hint");
    let interactive = chosen.is_some();
    let user: User = if let Some(upn) = chosen {
        match sh.tenant.user_by_upn(&upn) {
            Some(u) => u.clone(),
            None => {
                return sign_in_page(sh, req, Some("That account does not exist in this tenant."))
            }
        }
    } else if prompt == "none" {
        let session_user = req
            .cookie(SESSION_COOKIE)
            .and_then(|sid| sh.sessions.get(&sid).cloned())
            .and_then(|oid| sh.tenant.user_by_oid(&oid).cloned());
        match session_user {
            Some(u) if login_hint.as_deref().is_none_or(|h| h.eq_ignore_ascii_case(&u.upn)) => u,
            _ => {
                return fail(
                    "login_required",
                    50058,
                    "A silent sign-in request was sent but no user is signed in. The cookies used to represent the user's session were not sent in the request to Azure AD.",
                )
            }
        }
    } else {
        return sign_in_page(sh, req, None);
    };
    // Whoever signed in on the page has a session now, whatever the answer to the app.
    let session = interactive.then(|| {
        let sid = opaque(32);
        sh.sessions.insert(sid.clone(), user.id.clone());
        format!("{SESSION_COOKIE}={sid}; Path=/; Secure; HttpOnly; SameSite=None")
    });
    let with_session = |resp: Resp| match &session {
        Some(cookie) => resp.header("Set-Cookie", cookie.clone()),
        None => resp,
    };

    // A single-tenant registration names its directory: the generic authorities refuse it
    // once the account is known (reports of AADSTS50194 show it after the account is chosen,
    // returned to the redirect URI).
    if app.sign_in_audience == SignInAudience::MyOrg && GENERIC_TENANTS.contains(&tenant_seg) {
        return with_session(fail("invalid_request", 50194, &not_multi_tenant(&app)));
    }

    // Consent, per permission: what the request names and neither an administrator (for the
    // tenant) nor this user (for themselves) has granted.
    let scope = get("scope").unwrap_or_default();
    let missing = missing_consent(sh, ctx, &app, &user, &scope);
    if !missing.is_empty() {
        // prompt=none never grants consent.
        if !interactive {
            return fail(
                "consent_required",
                65001,
                &format!("The user or administrator has not consented to use the application with ID '{client_id}' named '{}'. Send an interactive authorization request for this user and resource.", app.display_name),
            );
        }
        let needs_admin = sh.tenant.user_consent == UserConsent::Disabled
            || missing.iter().any(|k| ADMIN_ONLY.contains(&k.as_str()));
        if needs_admin {
            let declined = answer(&[
                ("error", "access_denied"),
                (
                    "error_description",
                    "AADSTS65004: User declined to consent to access the app.",
                ),
                ("state", &state),
            ]);
            return with_session(need_admin_approval_page(req, &app, &user, &declined));
        }
        // The user accepts the permissions prompt (the emulator shows none: it is accepted).
        sh.consents
            .entry((user.id.clone(), client_id.clone()))
            .or_default()
            .extend(missing);
    }

    let code = opaque(48);
    sh.codes.insert(
        code.clone(),
        AuthCode {
            client_id: client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            oid: user.id.clone(),
            challenge,
            nonce: get("nonce"),
            issued: Instant::now(),
        },
    );
    let client_info = client_info(&user.id, &sh.tenant.id);
    let session_state = det_guid(&format!("session/{}", user.id));
    with_session(Resp::redirect(&answer(&[
        ("code", &code),
        ("client_info", &client_info),
        ("state", &state),
        ("session_state", &session_state),
    ])))
}

/// AADSTS50194's text (Microsoft Learn, *Microsoft Entra authentication and authorization error
/// codes*).
fn not_multi_tenant(app: &SpaApp) -> String {
    format!(
        "Application '{}'({}) is not configured as a multi-tenant application. Usage of the /common endpoint is not supported for such applications created after '10/15/2018'. Use a tenant-specific endpoint or configure the application to be multi-tenant.",
        app.client_id, app.display_name
    )
}

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
fn granted(sh: &Shared, app: &SpaApp, user: &User) -> BTreeSet<String> {
    let mut all = app.admin_consent.clone();
    if let Some(own) = sh.consents.get(&(user.id.clone(), app.client_id.clone())) {
        all.extend(own.iter().cloned());
    }
    all
}

/// Whether a permission key is covered by `granted`: `{app}/.default` stands for whatever
/// was granted of that resource app.
fn covered(granted: &BTreeSet<String>, key: &str) -> bool {
    match key.strip_suffix("/.default") {
        Some(resource) => granted
            .iter()
            .any(|g| g.starts_with(&format!("{resource}/"))),
        None => granted.contains(key),
    }
}

/// The permissions `scope` names that nobody granted.
fn missing_consent(sh: &Shared, ctx: &Ctx, app: &SpaApp, user: &User, scope: &str) -> Vec<String> {
    let granted = granted(sh, app, user);
    let mut missing: Vec<String> = scope
        .split_whitespace()
        .filter_map(|s| consent_key(ctx, s))
        .filter(|k| !covered(&granted, k))
        .collect();
    missing.sort();
    missing.dedup();
    missing
}

/// Entra's "Need admin approval" page: the app needs a permission only an administrator can
/// grant (or the tenant lets no user consent). It offers another sign-in and a way back to
/// the app, which lands on the redirect URI as `access_denied` (AADSTS65004).
fn need_admin_approval_page(req: &Req, app: &SpaApp, user: &User, declined: &str) -> Resp {
    let again = if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    };
    Resp::html(
        200,
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in to your account</title>\
<style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto}}</style></head>\
<body><p>{upn}</p><h1 id=\"title\">Need admin approval</h1>\
<p><strong>{name}</strong> <span>unverified</span></p>\
<p id=\"message\">{name} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>\
<p><a id=\"admin-account\" href=\"{again}\">Have an admin account? Sign in with that account</a></p>\
<p><a id=\"return\" href=\"{declined}\">Return to the application without granting consent</a></p>\
</body></html>",
            upn = html_escape(&user.upn),
            name = html_escape(&app.display_name),
            again = html_escape(&again),
            declined = html_escape(declined),
        ),
    )
    .header("Cache-Control", "no-store")
}

fn sign_in_page(sh: &Shared, req: &Req, notice: Option<&str>) -> Resp {
    let action = if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    };
    let mut users = String::new();
    for u in &sh.tenant.users {
        users.push_str(&format!(
            "<li><button type=\"submit\" name=\"upn\" value=\"{upn}\" data-upn=\"{upn}\"><strong>{name}</strong><br><span>{upn}</span></button></li>\n",
            upn = html_escape(&u.upn),
            name = html_escape(&u.display_name)
        ));
    }
    let notice = notice
        .map(|n| format!("<p role=\"alert\">{}</p>", html_escape(n)))
        .unwrap_or_default();
    Resp::html(
        200,
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in</title>\
<style>body{{font-family:sans-serif;max-width:28rem;margin:3rem auto}}ul{{list-style:none;padding:0}}button{{width:100%;text-align:left;padding:.6rem;margin:.3rem 0;cursor:pointer}}</style></head>\
<body><h1>Sign in</h1><p>{tenant} (tenant emulator)</p>{notice}<p>Pick an account</p>\
<form method=\"post\" action=\"{action}\"><ul>\n{users}</ul></form></body></html>",
            tenant = html_escape(&sh.tenant.display_name),
            action = html_escape(&action),
        ),
    )
    .header("Cache-Control", "no-store")
}

fn logout(sh: &mut Shared, req: &Req) -> Resp {
    if let Some(sid) = req.cookie(SESSION_COOKIE) {
        sh.sessions.remove(&sid);
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0");
    let target = req.param("post_logout_redirect_uri");
    let allowed = target.as_deref().is_some_and(|t| {
        let origin = origin_of(t);
        sh.tenant
            .spa_apps
            .iter()
            .flat_map(|a| a.redirect_uris.iter())
            .any(|r| origin_of(r) == origin)
            || url::Url::parse(t)
                .ok()
                .and_then(|u| u.host_str().map(|h| h == "127.0.0.1" || h == "localhost"))
                .unwrap_or(false)
    });
    match target {
        Some(t) if allowed => Resp::redirect(&t).header("Set-Cookie", clear),
        _ => Resp::html(
            200,
            "<!doctype html><title>Signed out</title><h1>You signed out of your account</h1>",
        )
        .header("Set-Cookie", clear),
    }
}

pub fn client_info(oid: &str, tid: &str) -> String {
    URL_SAFE_NO_PAD.encode(json!({"uid": oid, "utid": tid}).to_string())
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

fn token(sh: &mut Shared, ctx: &Ctx, req: &Req, tenant_seg: &str) -> Resp {
    let form = req.form();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let client_id = get("client_id").unwrap_or_default().to_ascii_lowercase();
    let Some(app) = sh.tenant.spa_app(&client_id).cloned() else {
        return aad_error(
            req,
            None,
            400,
            "unauthorized_client",
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                sh.tenant.display_name
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
    if !origin_registered(sh, ctx, &client_id, &origin) {
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
    let oid = match grant_type.as_str() {
        "authorization_code" => {
            let code = get("code").unwrap_or_default();
            let Some(ac) = sh.codes.remove(&code) else {
                let (n, m) = if sh.redeemed.contains(&code) {
                    (54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
                } else {
                    (
                        70000,
                        "The provided value for the 'code' parameter is not valid.",
                    )
                };
                return aad_error(req, cors, 400, "invalid_grant", n, m);
            };
            sh.redeemed.insert(code);
            if ac.issued.elapsed() > CODE_LIFETIME {
                return aad_error(req, cors, 400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity.");
            }
            if ac.client_id != client_id {
                return aad_error(req, cors, 400, "invalid_grant", 70000, "The provided value for the 'code' parameter is not valid. The code was issued to a different client.");
            }
            // A code requested with a redirect URI is redeemed with that URI. MSAL's
            // acquireTokenByCode leaves it out (it is made for hybrid-SPA codes).
            let Some(given) = get("redirect_uri") else {
                return aad_error(req, cors, 400, "invalid_grant", 700009, "Reply address must be provided when presenting an authorization code requested with an explicit reply address.");
            };
            if given != ac.redirect_uri {
                return aad_error(req, cors, 400, "invalid_grant", 70000, "The provided value for the 'redirect_uri' is not valid. The value must exactly match the redirect URI used to obtain the authorization code.");
            }
            let verifier = get("code_verifier").unwrap_or_default();
            let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            let matched = !verifier.is_empty() && computed == ac.challenge;
            // For the request log: whether it matched, never the verifier itself.
            sh.last_grant = Some(GrantOutcome {
                verifier_matched: Some(matched),
                nonce_altered: false,
            });
            if !matched {
                return aad_error(req, cors, 400, "invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request.");
            }
            (ac.oid, ac.nonce)
        }
        "refresh_token" => {
            let rt = get("refresh_token").unwrap_or_default();
            match sh.refresh.get(&rt) {
                Some(g) if g.revoked => {
                    return aad_error(req, cors, 400, "invalid_grant", 50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password.")
                }
                Some(g) if g.client_id == client_id => (g.oid.clone(), None),
                _ => {
                    return aad_error(req, cors, 400, "invalid_grant", 9002313, "Invalid request. Request is malformed or invalid. The refresh token is not valid.")
                }
            }
        }
        other => {
            return aad_error(
                req,
                cors,
                400,
                "unsupported_grant_type",
                70003,
                &format!("The app requested an unsupported grant type '{other}'."),
            );
        }
    };
    let (oid, nonce) = oid;
    let Some(user) = sh.tenant.user_by_oid(&oid).cloned() else {
        return aad_error(
            req,
            cors,
            400,
            "invalid_grant",
            50034,
            "The user account does not exist in the directory.",
        );
    };

    // One resource per token request.
    let scope = get("scope").unwrap_or_default();
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
                    cors,
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
            let granted = granted(sh, &app, &user);
            let consented = names
                .iter()
                .all(|n| covered(&granted, &format!("{app_key}/{n}")));
            if !consented {
                let mut resp = aad_error(
                    req,
                    cors,
                    400,
                    "invalid_grant",
                    65001,
                    &format!("The user or administrator has not consented to use the application with ID '{client_id}' named '{}'. Send an interactive authorization request for this user and resource.", app.display_name),
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
    let access = match mint_access_token(&sh.tenant, &user, &client_id, &resource, &names, lifetime)
    {
        Ok(t) => t,
        Err(e) => return aad_error(req, cors, 500, "server_error", 90000, &e),
    };
    let Ok(signer) = crate::jwt::signer() else {
        return aad_error(req, cors, 500, "server_error", 90000, "no signing key");
    };
    let now = crate::jwt::now();
    let mut id_claims = json!({
        "aud": client_id, "iss": format!("{}/{}/v2.0", ctx.identity_base(), sh.tenant.id),
        "iat": now, "nbf": now, "exp": now + 3600,
        "sub": det_guid(&format!("sub/{}/{client_id}", user.id)),
        "oid": user.id, "tid": sh.tenant.id, "name": user.display_name,
        "preferred_username": user.upn, "ver": "2.0"
    });
    if let Some(n) = nonce {
        // A control-plane switch (`POST /_emulator/wrong-nonce`) answers the next code
        // redemptions with another nonce, as an attacker's injected code would.
        let altered = grant_type == "authorization_code" && sh.wrong_nonce > 0;
        if altered {
            sh.wrong_nonce -= 1;
            if let Some(outcome) = &mut sh.last_grant {
                outcome.nonce_altered = true;
            }
        }
        id_claims["nonce"] = json!(if altered { format!("not-{n}") } else { n });
    }
    let id_token = signer.sign(&id_claims);
    let refresh = opaque(64);
    sh.refresh.insert(
        refresh.clone(),
        RefreshGrant {
            oid: user.id.clone(),
            client_id: client_id.clone(),
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
            "client_info": client_info(&user.id, &sh.tenant.id),
        }),
    )
    .header("Access-Control-Allow-Origin", origin.clone())
    .header("Vary", "Origin")
    .header("Cache-Control", "no-store")
}

/// An error in Entra's JSON shape; CORS only for a registered origin.
fn aad_error(
    req: &Req,
    cors_origin: Option<&str>,
    status: u16,
    error: &str,
    code: u32,
    desc: &str,
) -> Resp {
    let trace = new_guid();
    let corr = req
        .param("client-request-id")
        .or_else(|| req.header("client-request-id").map(str::to_string))
        .unwrap_or_else(new_guid);
    let ts = iso8601(crate::jwt::now());
    let mut resp = Resp::json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {desc} Trace ID: {trace} Correlation ID: {corr} Timestamp: {ts}"),
            "error_codes": [code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    );
    if let Some(o) = cors_origin {
        resp = resp
            .header("Access-Control-Allow-Origin", o)
            .header("Vary", "Origin");
    }
    resp
}

/// `YYYY-MM-DD hh:mm:ssZ` for a Unix time.
pub fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}
