//! Entra ID's authorize endpoint and session: the sign-in page, `prompt=none` with and without
//! a session, the session cookie, refused redirect URIs, clients and PKCE methods, the response
//! modes, the OpenID configuration, and sign-out.

use serde_json::Value;

use crate::common::*;

#[tokio::test]
async fn sign_in_page_lists_users_with_data_upn() {
    let t = start("demo");
    let (_, challenge) = pkce();
    let url = t.real(
        "login.microsoftonline.com",
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}",
            authorize_query(DISCO_SCOPE, &challenge, "")
        ),
    );
    let r = t.http.get(&url).send().await.expect("page");
    assert_eq!(r.status(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("<title>Sign in</title>"));
    assert!(html.contains("data-upn=\"admin@contoso.onmicrosoft.com\""));
    assert!(html.contains("Megan Bowen"));
}

#[tokio::test]
async fn prompt_none_without_session_is_login_required() {
    let t = start("demo");
    let (_, challenge) = pkce();
    let url = t.real(
        "login.microsoftonline.com",
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}&login_hint=admin%40contoso.onmicrosoft.com",
            authorize_query(DISCO_SCOPE, &challenge, "none")
        ),
    );
    let r = t.http.get(&url).send().await.expect("authorize");
    assert_eq!(r.status(), 302);
    let loc = r.headers()["location"].to_str().expect("loc");
    assert!(loc.starts_with(REDIRECT));
    let f = fragment(loc);
    assert_eq!(f["error"], "login_required");
    assert!(f["error_description"].starts_with("AADSTS50058"));
    assert_eq!(f["state"], "st4te");
}

#[tokio::test]
async fn prompt_none_with_session_cookie_returns_code() {
    let t = start("demo");
    let (verifier, challenge) = pkce();
    let (_, cookie) = sign_in(&t, DISCO_SCOPE, &challenge).await;
    let url = t.real(
        "login.microsoftonline.com",
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}&login_hint=admin%40contoso.onmicrosoft.com",
            authorize_query(DISCO_SCOPE, &challenge, "none")
        ),
    );
    let r = t
        .http
        .get(&url)
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("authorize");
    assert_eq!(r.status(), 302);
    let f = fragment(r.headers()["location"].to_str().expect("loc"));
    assert!(
        f.contains_key("code") && f.contains_key("client_info"),
        "{f:?}"
    );
    assert_eq!(
        redeem(&t, &f["code"], &verifier, DISCO_SCOPE, Some(ORIGIN))
            .await
            .0,
        200
    );
    // A different login_hint does not match the session.
    let other = url.replace("admin%40contoso", "alexw%40contoso");
    let r = t
        .http
        .get(&other)
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("authorize");
    assert_eq!(
        fragment(r.headers()["location"].to_str().expect("loc"))["error"],
        "login_required"
    );
}

#[tokio::test]
async fn session_cookie_is_secure_samesite_none() {
    let t = start("demo");
    let (_, challenge) = pkce();
    let url = t.real(
        "login.microsoftonline.com",
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}",
            authorize_query(DISCO_SCOPE, &challenge, "login")
        ),
    );
    let r = t
        .http
        .post(&url)
        .form(&[("upn", ADMIN)])
        .send()
        .await
        .expect("post");
    let c = r.headers()["set-cookie"].to_str().expect("cookie");
    assert!(
        c.contains("SameSite=None")
            && c.contains("Secure")
            && c.contains("HttpOnly")
            && c.contains("Path=/"),
        "{c}"
    );
}

#[tokio::test]
async fn unregistered_redirect_uri_or_client_is_refused() {
    let t = start("demo");
    let (_, challenge) = pkce();
    let q =
        authorize_query(DISCO_SCOPE, &challenge, "").replace("localhost%3A8080", "evil.example");
    let r = t
        .http
        .get(t.real(
            "login.microsoftonline.com",
            &format!("/organizations/oauth2/v2.0/authorize?{q}"),
        ))
        .send()
        .await
        .expect("authorize");
    assert_eq!(r.status(), 400);
    assert!(r.text().await.expect("t").contains("AADSTS50011"));
    let q = authorize_query(DISCO_SCOPE, &challenge, "")
        .replace(CLIENT_ID, "11111111-1111-1111-1111-111111111111");
    let r = t
        .http
        .get(t.real(
            "login.microsoftonline.com",
            &format!("/organizations/oauth2/v2.0/authorize?{q}"),
        ))
        .send()
        .await
        .expect("authorize");
    assert!(r.text().await.expect("t").contains("AADSTS700016"));
}

#[tokio::test]
async fn authorize_without_pkce_is_refused() {
    let t = start("demo");
    let q = authorize_query(DISCO_SCOPE, "x", "").replace(
        "&code_challenge_method=S256",
        "&code_challenge_method=plain",
    );
    let r = t
        .http
        .get(t.real(
            "login.microsoftonline.com",
            &format!("/common/oauth2/v2.0/authorize?{q}"),
        ))
        .send()
        .await
        .expect("authorize");
    assert_eq!(r.status(), 302);
    assert_eq!(
        fragment(r.headers()["location"].to_str().expect("loc"))["error"],
        "invalid_request"
    );
}

#[tokio::test]
async fn query_response_mode_puts_code_in_query() {
    let t = start("demo");
    let (_, challenge) = pkce();
    let q = authorize_query(DISCO_SCOPE, &challenge, "")
        .replace("response_mode=fragment", "response_mode=query");
    let r = t
        .http
        .post(t.real(
            "login.microsoftonline.com",
            &format!("/organizations/oauth2/v2.0/authorize?{q}"),
        ))
        .form(&[("upn", ADMIN)])
        .send()
        .await
        .expect("post");
    let loc = r.headers()["location"].to_str().expect("loc");
    assert!(loc.starts_with(&format!("{REDIRECT}?code=")), "{loc}");
}

#[tokio::test]
async fn openid_configuration_follows_request_mode() {
    let t = start("demo");
    let r: Value = t
        .http
        .get(t.real(
            "login.microsoftonline.com",
            "/organizations/v2.0/.well-known/openid-configuration",
        ))
        .send()
        .await
        .expect("r")
        .json()
        .await
        .expect("j");
    assert_eq!(
        r["issuer"],
        "https://login.microsoftonline.com/{tenantid}/v2.0"
    );
    assert_eq!(
        r["token_endpoint"],
        "https://login.microsoftonline.com/organizations/oauth2/v2.0/token"
    );
    let tid = "8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30";
    let r: Value = t
        .http
        .get(t.local(&format!(
            "/login/{tid}/v2.0/.well-known/openid-configuration"
        )))
        .send()
        .await
        .expect("r")
        .json()
        .await
        .expect("j");
    assert_eq!(
        r["issuer"],
        format!("https://127.0.0.1:{}/login/{tid}/v2.0", t.port())
    );
    assert_eq!(
        r["authorization_endpoint"],
        format!(
            "https://127.0.0.1:{}/login/{tid}/oauth2/v2.0/authorize",
            t.port()
        )
    );
    let keys: Value = t
        .http
        .get(r["jwks_uri"].as_str().expect("jwks"))
        .send()
        .await
        .expect("r")
        .json()
        .await
        .expect("j");
    assert!(
        keys["keys"][0]["kid"].is_string()
            && keys["keys"][0]["n"].is_string()
            && keys["keys"][0]["e"] == "AQAB"
    );
    let inst: Value = t
        .http
        .get(t.real(
            "login.microsoftonline.com",
            "/common/discovery/instance?api-version=1.1&authorization_endpoint=x",
        ))
        .send()
        .await
        .expect("r")
        .json()
        .await
        .expect("j");
    assert!(inst["tenant_discovery_endpoint"].is_string() && inst["metadata"].is_array());
    let bad = t
        .http
        .get(t.real(
            "login.microsoftonline.com",
            "/fabrikam.com/v2.0/.well-known/openid-configuration",
        ))
        .send()
        .await
        .expect("r");
    assert_eq!(bad.status(), 400);
}

#[tokio::test]
async fn logout_clears_session_and_redirects() {
    let t = start("demo");
    let (_, challenge) = pkce();
    let (_, cookie) = sign_in(&t, DISCO_SCOPE, &challenge).await;
    let r = t.http.get(t.real("login.microsoftonline.com", "/organizations/oauth2/v2.0/logout?post_logout_redirect_uri=https%3A%2F%2Flocalhost%3A8080%2F")).header("Cookie", &cookie).send().await.expect("logout");
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "https://localhost:8080/");
    assert_eq!(
        silent_authorize_error(&t, &cookie, DISCO_SCOPE, &challenge).await,
        "login_required"
    );
}
