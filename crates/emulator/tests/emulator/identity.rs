use serde_json::Value;

use crate::common::*;

const DISCO_SCOPE: &str =
    "openid profile offline_access https://globaldisco.crm.dynamics.com/user_impersonation";
const SIGNIN_SCOPE: &str = "openid profile offline_access https://globaldisco.crm.dynamics.com/user_impersonation https://graph.microsoft.com/Application.Read.All";

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
async fn authorization_code_flow_issues_tokens_as_entra() {
    let t = start("demo");
    let (verifier, challenge) = pkce();
    let (code, _) = sign_in(&t, SIGNIN_SCOPE, &challenge).await;
    let (status, body, acao) = redeem(&t, &code, &verifier, DISCO_SCOPE, Some(ORIGIN)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(acao.as_deref(), Some(ORIGIN));
    assert_eq!(body["token_type"], "Bearer");
    assert!(body["scope"]
        .as_str()
        .expect("scope")
        .contains("https://globaldisco.crm.dynamics.com/user_impersonation"));
    assert!(body["refresh_token"].is_string());
    assert_eq!(body["expires_in"], 3600);
    let at = claims(body["access_token"].as_str().expect("at"));
    assert_eq!(at["aud"], DISCO);
    assert_eq!(at["scp"], "user_impersonation");
    assert_eq!(at["appid"], CLIENT_ID);
    assert_eq!(at["upn"], ADMIN);
    assert_eq!(at["ver"], "1.0");
    assert!(at["iss"]
        .as_str()
        .expect("iss")
        .starts_with("https://sts.windows.net/"));
    let id = claims(body["id_token"].as_str().expect("id"));
    assert_eq!(id["aud"], CLIENT_ID);
    assert_eq!(id["nonce"], "n0nce");
    assert_eq!(id["preferred_username"], ADMIN);
    assert_eq!(id["ver"], "2.0");
    let ci: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            body["client_info"].as_str().expect("ci"),
        )
        .expect("b64"),
    )
    .expect("json");
    assert_eq!(ci["uid"], id["oid"]);
    assert_eq!(ci["utid"], id["tid"]);
    // The minted token works against discovery.
    let (s, _) = t
        .get(
            &t.real(
                "globaldisco.crm.dynamics.com",
                "/api/discovery/v2.0/Instances",
            ),
            body["access_token"].as_str().expect("at"),
        )
        .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn pkce_mismatch_is_refused() {
    let t = start("demo");
    let (_, challenge) = pkce();
    let (code, _) = sign_in(&t, DISCO_SCOPE, &challenge).await;
    let (status, body, _) = redeem(
        &t,
        &code,
        "the-wrong-verifier-0123456789012345678901234567",
        DISCO_SCOPE,
        Some(ORIGIN),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_codes"][0], 501481);
    assert!(body["error_description"]
        .as_str()
        .expect("d")
        .starts_with("AADSTS501481:"));
    assert!(body["trace_id"].is_string() && body["correlation_id"] == "abc");
}

#[tokio::test]
async fn authorization_code_is_single_use() {
    let t = start("demo");
    let (verifier, challenge) = pkce();
    let (code, _) = sign_in(&t, DISCO_SCOPE, &challenge).await;
    assert_eq!(
        redeem(&t, &code, &verifier, DISCO_SCOPE, Some(ORIGIN))
            .await
            .0,
        200
    );
    let (status, body, _) = redeem(&t, &code, &verifier, DISCO_SCOPE, Some(ORIGIN)).await;
    assert_eq!(status, 400);
    assert_eq!(body["error_codes"][0], 54005);
}

#[tokio::test]
async fn token_endpoint_requires_registered_origin() {
    let t = start("demo");
    let (verifier, challenge) = pkce();
    let (code, _) = sign_in(&t, DISCO_SCOPE, &challenge).await;
    let (status, body, acao) = redeem(&t, &code, &verifier, DISCO_SCOPE, None).await;
    assert_eq!(status, 400);
    assert_eq!(body["error_codes"][0], 9002327);
    assert!(acao.is_none());
    let (status, body, acao) = redeem(
        &t,
        &code,
        &verifier,
        DISCO_SCOPE,
        Some("https://evil.example"),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error_codes"][0], 9002326);
    assert!(acao.is_none());
}

#[tokio::test]
async fn one_resource_per_token_request() {
    let t = start("demo");
    let (verifier, challenge) = pkce();
    let (code, _) = sign_in(&t, SIGNIN_SCOPE, &challenge).await;
    let (status, body, _) = redeem(&t, &code, &verifier, SIGNIN_SCOPE, Some(ORIGIN)).await;
    assert_eq!(status, 400);
    assert_eq!(body["error_codes"][0], 28000);
}

#[tokio::test]
async fn refresh_for_unconsented_resource_needs_consent() {
    // An administrator granted Dynamics only: Graph is not consented, and a refresh token
    // grants nothing.
    let t = start("dynamics-consent-only");
    let (verifier, challenge) = pkce();
    let (code, _) = sign_in(&t, DISCO_SCOPE, &challenge).await;
    let (_, body, _) = redeem(&t, &code, &verifier, DISCO_SCOPE, Some(ORIGIN)).await;
    let rt = body["refresh_token"].as_str().expect("rt");
    let (status, err) = refresh(
        &t,
        rt,
        "openid profile offline_access https://graph.microsoft.com/Application.Read.All",
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"], "invalid_grant");
    assert_eq!(err["suberror"], "consent_required");
    assert_eq!(err["error_codes"][0], 65001);
}

#[tokio::test]
async fn consent_to_one_dynamics_resource_covers_every_environment() {
    let t = start("demo");
    let (verifier, challenge) = pkce();
    let (code, _) = sign_in(&t, SIGNIN_SCOPE, &challenge).await;
    let (_, body, _) = redeem(&t, &code, &verifier, DISCO_SCOPE, Some(ORIGIN)).await;
    let rt = body["refresh_token"].as_str().expect("rt");
    let (status, tok) = refresh(
        &t,
        rt,
        "openid profile offline_access https://contosoprod.crm.dynamics.com/user_impersonation",
    )
    .await;
    assert_eq!(status, 200, "{tok}");
    assert_eq!(
        claims(tok["access_token"].as_str().expect("at"))["aud"],
        PROD
    );
    let (s, who) = t
        .get(
            &t.real("contosoprod.crm.dynamics.com", "/api/data/v9.2/WhoAmI"),
            tok["access_token"].as_str().expect("at"),
        )
        .await;
    assert_eq!(s, 200, "{who}");
    let (status, tok) = refresh(
        &t,
        rt,
        "https://graph.microsoft.com/Application.Read.All openid",
    )
    .await;
    assert_eq!(status, 200, "{tok}");
    assert_eq!(
        claims(tok["access_token"].as_str().expect("at"))["scp"],
        "Application.Read.All"
    );
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

#[tokio::test]
async fn code_redeemed_without_redirect_uri_is_700009() {
    let t = start("demo");
    let (verifier, challenge) = pkce();
    let (code, _) = sign_in(&t, DISCO_SCOPE, &challenge).await;
    let r = t
        .http
        .post(t.real(
            "login.microsoftonline.com",
            "/organizations/oauth2/v2.0/token",
        ))
        .header("Origin", ORIGIN)
        .form(&[
            ("client_id", CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code_verifier", verifier.as_str()),
            ("scope", DISCO_SCOPE),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["error"], "invalid_grant");
    assert_eq!(body["error_codes"][0], 700009);
    assert!(body["error_description"]
        .as_str()
        .expect("d")
        .starts_with("AADSTS700009: Reply address must be provided"));
}

const EXTENSION_REDIRECT: &str = "https://jnggalibfkfhgecgdpkejcbcgjjfhian.chromiumapp.org/";
const EXTENSION_ORIGIN: &str = "chrome-extension://jnggalibfkfhgecgdpkejcbcgjjfhian";

/// A token request as an extension page sends it: `Origin: chrome-extension://{id}`.
async fn extension_token(t: &T, origin: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let r = t
        .http
        .post(t.real(
            "login.microsoftonline.com",
            "/organizations/oauth2/v2.0/token",
        ))
        .header("Origin", origin)
        .form(form)
        .send()
        .await
        .expect("token");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn extension_redeems_its_chromiumapp_code_from_its_own_origin_and_renews_per_resource() {
    let t = start("demo");
    let (verifier, challenge) = pkce();
    let query = authorize_query(SIGNIN_SCOPE, &challenge, "select_account").replace(
        &url::form_urlencoded::byte_serialize(REDIRECT.as_bytes()).collect::<String>(),
        &url::form_urlencoded::byte_serialize(EXTENSION_REDIRECT.as_bytes()).collect::<String>(),
    );
    let url = t.real(
        "login.microsoftonline.com",
        &format!("/organizations/oauth2/v2.0/authorize?{query}"),
    );
    let r = t
        .http
        .post(&url)
        .form(&[("upn", ADMIN)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(r.status(), 302);
    let location = r.headers()["location"].to_str().expect("loc").to_string();
    assert!(location.starts_with(EXTENSION_REDIRECT), "{location}");
    let code = fragment(&location)["code"].clone();

    let redeem = [
        ("client_id", CLIENT_ID),
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("code_verifier", verifier.as_str()),
        ("redirect_uri", EXTENSION_REDIRECT),
        ("scope", DISCO_SCOPE),
    ];
    // Another extension's origin is not the registered redirect URI's.
    let (status, body) = extension_token(
        &t,
        "chrome-extension://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        &redeem,
    )
    .await;
    assert_eq!(
        (status, body["error_codes"][0].as_u64()),
        (400, Some(9002326))
    );
    let (status, body) = extension_token(&t, EXTENSION_ORIGIN, &redeem).await;
    assert_eq!(status, 200, "{body}");
    let rt = body["refresh_token"].as_str().expect("rt").to_string();

    // Per-resource renewals from the refresh token, as acquireTokenSilent sends them.
    let graph_scope =
        "https://graph.microsoft.com/Application.Read.All openid profile offline_access";
    let (status, tok) = extension_token(
        &t,
        EXTENSION_ORIGIN,
        &[
            ("client_id", CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt.as_str()),
            ("scope", graph_scope),
        ],
    )
    .await;
    assert_eq!(status, 200, "{tok}");
    assert_eq!(
        claims(tok["access_token"].as_str().expect("at"))["aud"],
        GRAPH
    );

    // The request log names each token request's grant and scope, never its secrets.
    let state = t.state().await;
    let grants: Vec<(String, String)> = state["requests"]
        .as_array()
        .expect("log")
        .iter()
        .filter_map(|e| {
            let g = e.get("grant")?;
            Some((
                g["grant_type"].as_str()?.to_string(),
                g["scope"].as_str()?.to_string(),
            ))
        })
        .collect();
    assert_eq!(
        grants,
        vec![
            ("authorization_code".to_string(), DISCO_SCOPE.to_string()),
            ("authorization_code".to_string(), DISCO_SCOPE.to_string()),
            ("refresh_token".to_string(), graph_scope.to_string()),
        ]
    );
    let log = state["requests"].to_string();
    assert!(!log.contains(&code) && !log.contains(&rt) && !log.contains(&verifier));
}
