//! The authorize endpoint: the account, the session, the sign-in audience, consent, and the
//! code sent back to the redirect URI; and sign-out.

use std::time::Instant;

use super::authority::{not_multi_tenant, GENERIC_TENANTS};
use super::consent::{missing_consent, ADMIN_ONLY};
use super::pages::{error_page, need_admin_approval_page, sign_in_page};
use super::redirects::{origin_of, registered_redirects};
use super::session::{AuthCode, IdentityState, SESSION_COOKIE};
use super::token::issue::client_info;
use crate::http::{Ctx, Req, Resp};
use crate::ids::{det_guid, opaque};
use crate::state::{SignInAudience, Tenant, User, UserConsent};

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

/// `GET` (silent, `prompt=none`, or the sign-in page) or `POST` (an account chosen on the page).
pub fn authorize(
    tenant: &Tenant,
    state: &mut IdentityState,
    ctx: &Ctx,
    req: &Req,
    tenant_seg: &str,
    chosen: Option<String>,
) -> Resp {
    let p = req.params();
    let get = |k: &str| p.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let client_id = get("client_id").unwrap_or_default().to_ascii_lowercase();
    let Some(app) = tenant.spa_app(&client_id).cloned() else {
        return error_page(
            400,
            700016,
            &format!(
                "Application with identifier '{client_id}' was not found in the directory '{}'.",
                tenant.display_name
            ),
        );
    };
    let redirect_uri = get("redirect_uri").unwrap_or_default();
    if !registered_redirects(tenant, ctx, &client_id).contains(&redirect_uri) {
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
    let app_state = get("state").unwrap_or_default();
    let answer = |pairs: &[(&str, &str)]| append_response(&redirect_uri, &mode, pairs);
    let fail = |error: &str, code: u32, desc: &str| {
        Resp::redirect(&answer(&[
            ("error", error),
            ("error_description", &format!("AADSTS{code}: {desc}")),
            ("state", &app_state),
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
        match tenant.user_by_upn(&upn) {
            Some(u) => u.clone(),
            None => {
                return sign_in_page(
                    tenant,
                    req,
                    Some("That account does not exist in this tenant."),
                )
            }
        }
    } else if prompt == "none" {
        let session_user = req
            .cookie(SESSION_COOKIE)
            .and_then(|sid| state.sessions.get(&sid).cloned())
            .and_then(|oid| tenant.user_by_oid(oid.as_str()).cloned());
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
        return sign_in_page(tenant, req, None);
    };
    // Whoever signed in on the page has a session now, whatever the answer to the app.
    let session = interactive.then(|| {
        let sid = opaque(32);
        state.sessions.insert(sid.clone(), user.id.clone());
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
    let missing = missing_consent(state, ctx, &app, &user, &scope);
    if !missing.is_empty() {
        // prompt=none never grants consent.
        if !interactive {
            return fail(
                "consent_required",
                65001,
                &format!("The user or administrator has not consented to use the application with ID '{client_id}' named '{}'. Send an interactive authorization request for this user and resource.", app.display_name),
            );
        }
        let needs_admin = tenant.user_consent == UserConsent::Disabled
            || missing.iter().any(|k| ADMIN_ONLY.contains(&k.as_str()));
        if needs_admin {
            let declined = answer(&[
                ("error", "access_denied"),
                (
                    "error_description",
                    "AADSTS65004: User declined to consent to access the app.",
                ),
                ("state", &app_state),
            ]);
            return with_session(need_admin_approval_page(req, &app, &user, &declined));
        }
        // The user accepts the permissions prompt (the emulator shows none: it is accepted).
        state
            .consents
            .entry((user.id.clone(), app.client_id.clone()))
            .or_default()
            .extend(missing);
    }

    let code = opaque(48);
    state.codes.insert(
        code.clone(),
        AuthCode {
            client_id: app.client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            oid: user.id.clone(),
            challenge,
            nonce: get("nonce"),
            issued: Instant::now(),
        },
    );
    let client_info = client_info(user.id.as_str(), tenant.id.as_str());
    let session_state = det_guid(&format!("session/{}", user.id));
    with_session(Resp::redirect(&answer(&[
        ("code", &code),
        ("client_info", &client_info),
        ("state", &app_state),
        ("session_state", &session_state),
    ])))
}

/// Sign-out: the session ends, and the browser goes back to a registered origin.
pub fn logout(tenant: &Tenant, state: &mut IdentityState, req: &Req) -> Resp {
    if let Some(sid) = req.cookie(SESSION_COOKIE) {
        state.sessions.remove(&sid);
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=None; Max-Age=0");
    let target = req.param("post_logout_redirect_uri");
    let allowed = target.as_deref().is_some_and(|t| {
        let origin = origin_of(t);
        tenant
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
