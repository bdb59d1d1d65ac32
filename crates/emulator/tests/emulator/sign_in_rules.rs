//! Entra's rules about who may sign in where and what was consented: app registrations'
//! sign-in audience, the directory in the authority, per-permission consent (an
//! administrator's for the tenant, a user's for themselves), "Need admin approval",
//! `prompt=none`; and what the request log keeps of each token request.

use serde_json::Value;
use w365_emulator::Options;

use crate::common::*;

const SINGLE: &str = "7d2e4b1a-3c5f-4e6a-9b8c-1d2e3f4a5b60";
const TENANT_ID: &str = "8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30";
const DOMAIN: &str = "contoso.onmicrosoft.com";
const DISCO_SCOPE: &str =
    "openid profile offline_access https://globaldisco.crm.dynamics.com/user_impersonation";
const GRAPH_SCOPE: &str = "https://graph.microsoft.com/Application.Read.All";

fn query(client: &str, scope: &str, challenge: &str, prompt: &str) -> String {
    authorize_query(scope, challenge, prompt).replace(CLIENT_ID, client)
}

fn authorize_url(t: &T, tenant: &str, q: &str) -> String {
    t.real(
        "login.microsoftonline.com",
        &format!("/{tenant}/oauth2/v2.0/authorize?{q}"),
    )
}

/// Picks `upn` on the sign-in page; returns the answer (a redirect, or a page).
async fn pick(t: &T, url: &str, upn: &str) -> reqwest::Response {
    t.http
        .post(url)
        .form(&[("upn", upn)])
        .send()
        .await
        .expect("sign in")
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

fn session_cookie(r: &reqwest::Response) -> String {
    r.headers()["set-cookie"]
        .to_str()
        .expect("cookie")
        .split(';')
        .next()
        .expect("kv")
        .to_owned()
}

/// Asks for a code without a prompt (`prompt=none`) with a session cookie; the answer's fragment.
async fn silently(
    t: &T,
    cookie: &str,
    scope: &str,
    challenge: &str,
) -> std::collections::HashMap<String, String> {
    let url = authorize_url(
        t,
        "organizations",
        &query(CLIENT_ID, scope, challenge, "none"),
    );
    let r = t
        .http
        .get(&url)
        .header("Cookie", cookie)
        .send()
        .await
        .expect("silent");
    fragment(&location(&r))
}

async fn token(t: &T, tenant: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = t
        .http
        .post(t.real(
            "login.microsoftonline.com",
            &format!("/{tenant}/oauth2/v2.0/token"),
        ))
        .header("Origin", ORIGIN)
        .form(form)
        .send()
        .await
        .expect("token");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

async fn redeem_at(t: &T, tenant: &str, client: &str, code: &str, verifier: &str) -> (u16, Value) {
    token(
        t,
        tenant,
        &[
            ("client_id", client),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", REDIRECT),
            ("scope", DISCO_SCOPE),
            ("client_info", "1"),
        ],
    )
    .await
}

/// A scenario file: the demo tenant with `edit` applied, started on a free port.
fn start_edited(edit: impl FnOnce(&mut Value)) -> T {
    let mut v: Value =
        serde_json::from_str(include_str!("../../scenarios/demo.json")).expect("json");
    edit(&mut v);
    let path = std::env::temp_dir().join(format!(
        "w365-emu-consent-{}-{}.json",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    ));
    std::fs::write(&path, v.to_string()).expect("write");
    let t = start_with(Options::scenario(path.to_str().expect("path")));
    let _ = std::fs::remove_file(&path);
    t
}

#[tokio::test]
async fn a_single_tenant_app_at_a_generic_authority_is_refused_with_50194_once_the_account_is_chosen(
) {
    let t = start("single-tenant");
    let (_, challenge) = pkce();
    for generic in ["organizations", "common"] {
        let url = authorize_url(&t, generic, &query(SINGLE, DISCO_SCOPE, &challenge, ""));
        // The sign-in page still shows: Entra knows the app, not yet the account.
        assert_eq!(t.http.get(&url).send().await.expect("page").status(), 200);
        let r = pick(&t, &url, ADMIN).await;
        assert_eq!(r.status(), 302);
        let answer = location(&r);
        assert!(answer.starts_with(REDIRECT), "{answer}");
        let f = fragment(&answer);
        assert_eq!(f["error"], "invalid_request");
        assert!(
            f["error_description"].starts_with(&format!(
                "AADSTS50194: Application '{SINGLE}'(Work 365 Application User Assistant (single tenant)) is not configured as a multi-tenant application."
            )),
            "{}",
            f["error_description"]
        );
        assert_eq!(f["state"], "st4te");
        assert!(!f.contains_key("code"));
    }
    // The multi-tenant registration of the same tenant signs in there.
    let url = authorize_url(
        &t,
        "organizations",
        &query(CLIENT_ID, DISCO_SCOPE, &challenge, ""),
    );
    assert!(fragment(&location(&pick(&t, &url, ADMIN).await)).contains_key("code"));
}

#[tokio::test]
async fn a_single_tenant_app_signs_in_through_its_tenant_id_or_domain_and_only_there() {
    let t = start("single-tenant");
    for directory in [TENANT_ID, DOMAIN, &TENANT_ID.to_uppercase()] {
        let (verifier, challenge) = pkce();
        let url = authorize_url(&t, directory, &query(SINGLE, DISCO_SCOPE, &challenge, ""));
        let r = pick(&t, &url, ADMIN).await;
        let f = fragment(&location(&r));
        assert!(f.contains_key("code"), "{directory}: {f:?}");
        let (status, body) = redeem_at(&t, directory, SINGLE, &f["code"], &verifier).await;
        assert_eq!(status, 200, "{directory}: {body}");
        let rt = body["refresh_token"].as_str().expect("rt");
        // Its refresh token works at its directory, not at a generic authority.
        let renew = [
            ("client_id", SINGLE),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            (
                "scope",
                "https://contosoprod.crm.dynamics.com/user_impersonation openid offline_access",
            ),
        ];
        assert_eq!(token(&t, directory, &renew).await.0, 200);
        let (status, err) = token(&t, "organizations", &renew).await;
        assert_eq!(status, 400);
        assert_eq!(err["error"], "invalid_request");
        assert_eq!(err["error_codes"][0], 50194);
    }
}

#[tokio::test]
async fn another_tenants_directory_is_refused_on_a_page_at_authorize_and_in_json_at_token() {
    let t = start("single-tenant");
    let (_, challenge) = pkce();
    let other = "11111111-2222-4333-8444-555555555555";
    let r = t
        .http
        .get(authorize_url(
            &t,
            other,
            &query(SINGLE, DISCO_SCOPE, &challenge, ""),
        ))
        .send()
        .await
        .expect("authorize");
    assert_eq!(r.status(), 400);
    let page = r.text().await.expect("page");
    assert!(
        page.contains(&format!("AADSTS90002: Tenant &#39;{other}&#39; not found")),
        "{page}"
    );
    let (status, err) = token(&t, other, &[("client_id", SINGLE)]).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"], "invalid_tenant");
    assert_eq!(err["error_codes"][0], 90002);
}

#[tokio::test]
async fn a_graph_permission_only_an_admin_can_grant_shows_need_admin_approval_whose_way_back_is_access_denied(
) {
    let t = start("dynamics-consent-only");
    let (_, challenge) = pkce();
    let scope = format!("{DISCO_SCOPE} {GRAPH_SCOPE}");
    let url = authorize_url(
        &t,
        "organizations",
        &query(CLIENT_ID, &scope, &challenge, "select_account"),
    );
    let r = pick(&t, &url, ADMIN).await;
    assert_eq!(r.status(), 200, "no code: a page");
    let cookie = session_cookie(&r);
    let page = r.text().await.expect("page");
    assert!(
        page.contains("<h1 id=\"title\">Need admin approval</h1>"),
        "{page}"
    );
    assert!(page.contains(
        "needs permission to access resources in your organization that only an admin can grant"
    ));
    assert!(page.contains("Have an admin account? Sign in with that account"));
    let back = page
        .split("<a id=\"return\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("return link")
        .replace("&amp;", "&");
    assert!(back.starts_with(&format!("{REDIRECT}#")), "{back}");
    let f = fragment(&back);
    assert_eq!(f["error"], "access_denied");
    assert!(f["error_description"].starts_with("AADSTS65004"));
    assert_eq!(f["state"], "st4te");
    assert!(page.contains("Return to the application without granting consent"));

    // The account signed in all the same: the Dynamics permission an administrator granted
    // comes back without a prompt; Graph's never does.
    let (verifier, challenge) = pkce();
    let f = silently(&t, &cookie, DISCO_SCOPE, &challenge).await;
    assert!(f.contains_key("code"), "{f:?}");
    let (status, body) = redeem_at(&t, "organizations", CLIENT_ID, &f["code"], &verifier).await;
    assert_eq!(status, 200, "{body}");
    let (status, err) = refresh(
        &t,
        body["refresh_token"].as_str().expect("rt"),
        &format!("{GRAPH_SCOPE} openid offline_access"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"], "invalid_grant");
    assert_eq!(err["suberror"], "consent_required");
    assert_eq!(err["error_codes"][0], 65001);
}

#[tokio::test]
async fn an_administrators_consent_covers_every_user_of_the_tenant() {
    let t = start("dynamics-consent-only");
    let (verifier, challenge) = pkce();
    let url = authorize_url(
        &t,
        "organizations",
        &query(CLIENT_ID, DISCO_SCOPE, &challenge, "select_account"),
    );
    let f = fragment(&location(
        &pick(&t, &url, "alexw@contoso.onmicrosoft.com").await,
    ));
    assert!(f.contains_key("code"), "{f:?}");
    assert_eq!(
        redeem_at(&t, "organizations", CLIENT_ID, &f["code"], &verifier)
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn where_users_cannot_consent_every_permission_nobody_granted_needs_an_admin() {
    let t = start_edited(|v| {
        v["tenant"]["user_consent"] = "disabled".into();
        v["spa_apps"][0]["admin_consent"] = serde_json::json!({});
    });
    let (_, challenge) = pkce();
    let url = authorize_url(
        &t,
        "organizations",
        &query(CLIENT_ID, DISCO_SCOPE, &challenge, ""),
    );
    let r = pick(&t, &url, ADMIN).await;
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .expect("page")
        .contains("Need admin approval"));
}

#[tokio::test]
async fn a_user_grants_what_they_may_at_an_interactive_sign_in_and_prompt_none_never_grants() {
    let t = start_edited(|v| {
        v["spa_apps"][0]["admin_consent"] = serde_json::json!({});
    });
    let user_read = "openid profile offline_access https://graph.microsoft.com/User.Read";
    // Signed in for Dynamics: the user consents to it (user consent is allowed).
    let (_, challenge) = pkce();
    let url = authorize_url(
        &t,
        "organizations",
        &query(CLIENT_ID, DISCO_SCOPE, &challenge, ""),
    );
    let r = pick(&t, &url, ADMIN).await;
    let cookie = session_cookie(&r);
    assert!(fragment(&location(&r)).contains_key("code"));
    // A permission not yet granted is not granted by a request without a prompt.
    for _ in 0..2 {
        let f = silently(&t, &cookie, user_read, &challenge).await;
        assert_eq!(f["error"], "consent_required");
        assert!(f["error_description"].starts_with("AADSTS65001"));
    }
    assert_eq!(
        silent_authorize_error(&t, &cookie, DISCO_SCOPE, &challenge).await,
        "",
        "what the user granted comes back silently"
    );
    // An admin-only permission is never the user's to grant, even interactively.
    let url = authorize_url(
        &t,
        "organizations",
        &query(CLIENT_ID, GRAPH_SCOPE, &challenge, ""),
    );
    let r = pick(&t, &url, ADMIN).await;
    assert_eq!(r.status(), 200);
    assert!(r
        .text()
        .await
        .expect("page")
        .contains("Need admin approval"));
    // Interactively, the user-consentable one is granted, and from then on silently too.
    let url = authorize_url(
        &t,
        "organizations",
        &query(CLIENT_ID, user_read, &challenge, ""),
    );
    assert!(fragment(&location(&pick(&t, &url, ADMIN).await)).contains_key("code"));
    assert_eq!(
        silent_authorize_error(&t, &cookie, user_read, &challenge).await,
        ""
    );
}

#[tokio::test]
async fn each_token_request_is_logged_with_its_parameter_names_redirect_uri_and_verifier_match_never_its_secrets(
) {
    let t = start("demo");
    let (verifier, challenge) = pkce();
    let (code, _) = sign_in(&t, DISCO_SCOPE, &challenge).await;
    let (status, body) = redeem_at(&t, "organizations", CLIENT_ID, &code, &verifier).await;
    assert_eq!(status, 200, "{body}");
    let rt = body["refresh_token"].as_str().expect("rt").to_owned();
    let (wrong_code, _) = sign_in(&t, DISCO_SCOPE, &challenge).await;
    let (status, _) = redeem_at(
        &t,
        TENANT_ID,
        CLIENT_ID,
        &wrong_code,
        "another-verifier-of-sufficient-length-0123456789",
    )
    .await;
    assert_eq!(status, 400);

    let state = t.state().await;
    let grants: Vec<&Value> = state["requests"]
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e.get("grant"))
        .collect();
    assert_eq!(grants.len(), 2);
    assert_eq!(
        grants[0]["params"],
        serde_json::json!([
            "client_id",
            "client_info",
            "code",
            "code_verifier",
            "grant_type",
            "redirect_uri",
            "scope"
        ])
    );
    assert_eq!(grants[0]["redirect_uri"], REDIRECT);
    assert_eq!(grants[0]["client_info"], "1");
    assert_eq!(grants[0]["tenant"], "organizations");
    assert_eq!(grants[0]["verifier_matched"], true);
    assert_eq!(grants[1]["verifier_matched"], false);
    assert_eq!(grants[1]["tenant"], TENANT_ID);
    let log = state["requests"].to_string();
    for secret in [&code, &wrong_code, &verifier, &rt] {
        assert!(!log.contains(secret.as_str()), "the log holds a secret");
    }
}

#[tokio::test]
async fn the_wrong_nonce_switch_alters_only_the_next_code_redemptions_id_token() {
    let t = start("demo");
    let r = t
        .http
        .post(t.local("/_emulator/wrong-nonce"))
        .json(&serde_json::json!({"count": 1}))
        .send()
        .await
        .expect("switch");
    assert_eq!(r.status(), 200);
    for expected in ["not-n0nce", "n0nce"] {
        let (verifier, challenge) = pkce();
        let (code, _) = sign_in(&t, DISCO_SCOPE, &challenge).await;
        let (status, body) = redeem_at(&t, "organizations", CLIENT_ID, &code, &verifier).await;
        assert_eq!(status, 200);
        assert_eq!(
            claims(body["id_token"].as_str().expect("id"))["nonce"],
            expected
        );
    }
    let state = t.state().await;
    let altered: Vec<bool> = state["requests"]
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| e.get("grant"))
        .map(|g| g["nonce_altered"].as_bool().unwrap_or(false))
        .collect();
    assert_eq!(altered, [true, false]);
    let r = t
        .http
        .post(t.local("/_emulator/wrong-nonce"))
        .json(&serde_json::json!({"count": "all"}))
        .send()
        .await
        .expect("switch");
    assert_eq!(r.status(), 400);
}
