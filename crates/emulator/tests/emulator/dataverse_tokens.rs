//! Dataverse's door: `WhoAmI` answers the caller, and a token for another audience, expired,
//! tampered or missing, or a caller without a system user, is refused.

use serde_json::{json, Value};

use crate::common::*;

#[tokio::test]
async fn whoami_returns_the_caller() {
    let t = start("demo");
    let (s, b) = t.get(&t.dv("contosoprod", "WhoAmI"), &t.admin_prod()).await;
    assert_eq!(s, 200);
    assert!(b["UserId"].is_string() && b["OrganizationId"].is_string());
    assert_eq!(b["BusinessUnitId"], t.root_bu("contosoprod"));
}

#[tokio::test]
async fn wrong_audience_token_gives_401() {
    let t = start("demo");
    let tok = t.token(ADMIN, "https://contososandbox.crm.dynamics.com");
    let r = t
        .http
        .get(t.dv("contosoprod", "WhoAmI"))
        .bearer_auth(&tok)
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .expect("h")
        .starts_with("Bearer authorization_uri="));
}

#[tokio::test]
async fn expired_token_gives_401() {
    let t = start("demo");
    let r: Value = t
        .http
        .post(t.local("/_emulator/token"))
        .json(&json!({"user": ADMIN, "resource": PROD, "scopes": ["user_impersonation"], "lifetime_secs": -5}))
        .send()
        .await
        .expect("r")
        .json()
        .await
        .expect("j");
    let (s, _) = t
        .get(
            &t.dv("contosoprod", "WhoAmI"),
            r["access_token"].as_str().expect("t"),
        )
        .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn tampered_or_missing_token_gives_401() {
    let t = start("demo");
    let tok = t.admin_prod();
    let mut parts: Vec<String> = tok.split('.').map(str::to_string).collect();
    let c = claims(&tok);
    let mut forged = c.clone();
    forged["upn"] = json!("someone@else");
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        forged.to_string(),
    );
    assert_eq!(
        t.get(&t.dv("contosoprod", "WhoAmI"), &parts.join("."))
            .await
            .0,
        401
    );
    let r = t
        .http
        .get(t.dv("contosoprod", "WhoAmI"))
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn trailing_slash_audience_and_prefix_audience_are_accepted() {
    let t = start("demo");
    let tok = t.token(ADMIN, "https://contosoprod.crm.dynamics.com/");
    assert_eq!(t.get(&t.dv("contosoprod", "WhoAmI"), &tok).await.0, 200);
    let tok = t.token(ADMIN, &t.local("/org/contosoprod"));
    assert_eq!(
        t.get(
            &t.real("contosoprod.crm.dynamics.com", "/api/data/v9.2/WhoAmI"),
            &tok
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn caller_without_system_user_gets_403() {
    let t = start("demo");
    let tok = t.token("nobody@contoso.onmicrosoft.com", PROD);
    let (s, b) = t.get(&t.dv("contosoprod", "WhoAmI"), &tok).await;
    assert_eq!(s, 403);
    assert_eq!(b["error"]["code"], "0x80072560");
}
