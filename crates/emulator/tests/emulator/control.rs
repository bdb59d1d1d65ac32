use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::common::*;

#[tokio::test]
async fn fault_status_429_is_delivered_with_retry_after_then_consumed() {
    let t = start("demo");
    t.fault(json!({"method": "GET", "path": "/api/data/v9.2/WhoAmI", "count": 1,
        "action": {"status": 429, "headers": {"Retry-After": "2"}, "body": "{\"error\":{\"code\":\"0x80072322\",\"message\":\"Number of requests exceeded the limit\"}}"}}))
        .await;
    let r = t
        .http
        .get(t.dv("contosoprod", "WhoAmI"))
        .bearer_auth(t.admin_prod())
        .header("Origin", ORIGIN)
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 429);
    assert_eq!(r.headers()["retry-after"], "2");
    assert_eq!(r.headers()["access-control-allow-origin"], ORIGIN);
    let b: Value = r.json().await.expect("j");
    assert_eq!(b["error"]["code"], "0x80072322");
    assert_eq!(
        t.get(&t.dv("contosoprod", "WhoAmI"), &t.admin_prod())
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn a_fault_with_a_query_glob_catches_only_requests_whose_query_matches() {
    let t = start("demo");
    t.fault(
        json!({"method": "GET", "path": "/api/data/v9.2/systemusers", "query": "*EqualUserId*",
        "action": {"status": 400, "body": "{}"}}),
    )
    .await;
    let tok = t.admin_prod();
    let other = "systemusers?$select=systemuserid&$filter=isdisabled eq false";
    assert_eq!(t.get(&t.dv("contosoprod", other), &tok).await.0, 200);
    let caught = "systemusers?$select=systemuserid&$filter=Microsoft.Dynamics.CRM.EqualUserId(PropertyName='systemuserid')";
    assert_eq!(t.get(&t.dv("contosoprod", caught), &tok).await.0, 400);
    assert_eq!(
        t.get(&t.dv("contosoprod", caught), &tok).await.0,
        200,
        "consumed"
    );
}

#[tokio::test]
async fn fault_html_body_is_served_with_its_content_type() {
    let t = start("demo");
    t.fault(json!({"path": "/api/discovery/*", "host": "globaldisco.*",
        "action": {"status": 503, "body": "<html><body>Service Unavailable</body></html>", "content_type": "text/html"}}))
        .await;
    let r = t
        .http
        .get(t.real(
            "globaldisco.crm.dynamics.com",
            "/api/discovery/v2.0/Instances",
        ))
        .bearer_auth(t.token(ADMIN, DISCO))
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 503);
    assert_eq!(r.headers()["content-type"], "text/html");
}

#[tokio::test]
async fn fault_drop_before_leaves_state_unchanged() {
    let t = start("demo");
    t.fault(json!({"method": "POST", "path": "/api/data/v9.2/systemusers*", "action": {"drop": "before"}})).await;
    let bu = t.root_bu("contosoprod");
    let r = t
        .http
        .post(t.dv("contosoprod", "systemusers"))
        .bearer_auth(t.admin_prod())
        .json(&app_user_body(US_APP, &bu))
        .send()
        .await;
    assert!(r.is_err(), "connection must be dropped");
    let s = t.state().await;
    assert!(!env_of(&s, "contosoprod")["system_users"]
        .as_array()
        .expect("u")
        .iter()
        .any(|u| u["applicationid"] == US_APP));
    let log = s["requests"].as_array().expect("log");
    assert_eq!(log.last().expect("entry")["fault"], "drop before");
}

#[tokio::test]
async fn fault_drop_after_takes_effect_without_answer() {
    let t = start("demo");
    t.fault(json!({"method": "POST", "path": "/api/data/v9.2/systemusers*", "action": {"drop": "after"}})).await;
    let bu = t.root_bu("contosoprod");
    let r = t
        .http
        .post(t.dv("contosoprod", "systemusers"))
        .bearer_auth(t.admin_prod())
        .json(&app_user_body(US_APP, &bu))
        .send()
        .await;
    assert!(r.is_err(), "connection must be dropped");
    let s = t.state().await;
    assert!(env_of(&s, "contosoprod")["system_users"]
        .as_array()
        .expect("u")
        .iter()
        .any(|u| u["applicationid"] == US_APP));
    // A retry is now a duplicate, as in Dataverse.
    let r = t
        .post_json(
            &t.dv("contosoprod", "systemusers"),
            &t.admin_prod(),
            &app_user_body(US_APP, &bu),
        )
        .await;
    assert_eq!(r.status(), 412);
    let posts = t.state().await["requests"]
        .as_array()
        .expect("log")
        .iter()
        .filter(|e| e["method"] == "POST")
        .count();
    assert_eq!(posts, 2);
}

#[tokio::test]
async fn fault_latency_delays_the_answer() {
    let t = start("demo");
    t.fault(json!({"method": "GET", "path": "*WhoAmI", "action": {"latency_ms": 400}}))
        .await;
    let started = Instant::now();
    assert_eq!(
        t.get(&t.dv("contosoprod", "WhoAmI"), &t.admin_prod())
            .await
            .0,
        200
    );
    assert!(started.elapsed() >= Duration::from_millis(400));
}

#[tokio::test]
async fn faults_are_listed_and_consumed_in_order() {
    let t = start("demo");
    t.fault(json!([
        {"method": "GET", "path": "/api/data/v9.2/WhoAmI", "count": 2, "action": {"status": 503, "body": "first"}},
        {"method": "GET", "path": "/api/data/v9.2/WhoAmI", "action": {"status": 500, "body": "second"}}
    ]))
    .await;
    let pending: Value = t
        .http
        .get(t.local("/_emulator/faults"))
        .send()
        .await
        .expect("r")
        .json()
        .await
        .expect("j");
    assert_eq!(pending.as_array().expect("a").len(), 2);
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            t.get(&t.dv("contosoprod", "WhoAmI"), &t.admin_prod())
                .await
                .0,
        );
    }
    assert_eq!(statuses, [503, 503, 500, 200]);
}

#[tokio::test]
async fn reset_restores_the_scenario_and_clears_faults_and_log() {
    let t = start("demo");
    let bu = t.root_bu("contosoprod");
    assert_eq!(
        t.post_json(
            &t.dv("contosoprod", "systemusers"),
            &t.admin_prod(),
            &app_user_body(US_APP, &bu)
        )
        .await
        .status(),
        204
    );
    t.fault(json!({"path": "*", "action": {"status": 500}}))
        .await;
    let r = t
        .http
        .post(t.local("/_emulator/reset"))
        .send()
        .await
        .expect("reset");
    assert_eq!(r.status(), 200);
    let s = t.state().await;
    assert!(s["faults"].as_array().expect("f").is_empty());
    assert!(s["requests"].as_array().expect("r").is_empty());
    assert!(!env_of(&s, "contosoprod")["system_users"]
        .as_array()
        .expect("u")
        .iter()
        .any(|u| u["applicationid"] == US_APP));
    let r = t
        .http
        .post(t.local("/_emulator/reset"))
        .json(&json!({"scenario": "eu"}))
        .send()
        .await
        .expect("reset");
    assert_eq!(r.status(), 200);
    assert_eq!(t.state().await["scenario"], "eu");
}

#[tokio::test]
async fn request_log_records_every_microsoft_request() {
    let t = start("demo");
    t.get(&t.dv("contosoprod", "WhoAmI?x=1"), &t.admin_prod())
        .await;
    t.get(
        &t.real(
            "globaldisco.crm.dynamics.com",
            "/api/discovery/v2.0/Instances",
        ),
        &t.token(ADMIN, DISCO),
    )
    .await;
    let log = t.state().await["requests"].clone();
    let log = log.as_array().expect("log");
    assert_eq!(log.len(), 2);
    assert_eq!(log[0]["seq"], 1);
    assert_eq!(log[0]["method"], "GET");
    assert_eq!(log[0]["path"], "/org/contosoprod/api/data/v9.2/WhoAmI?x=1");
    assert_eq!(log[0]["status"], 200);
    assert!(log[1]["host"]
        .as_str()
        .expect("h")
        .starts_with("globaldisco.crm.dynamics.com"));
}

#[tokio::test]
async fn request_log_times_each_request_in_unix_ms_and_names_its_protocol() {
    let t = start("demo");
    t.fault(json!({"method": "GET", "path": "*WhoAmI", "action": {"latency_ms": 300}}))
        .await;
    let unix_ms = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock")
            .as_secs_f64()
            * 1000.0
    };
    let before = unix_ms();
    t.get(&t.dv("contosoprod", "WhoAmI"), &t.admin_prod()).await;
    let after = unix_ms();
    let log = t.state().await["requests"].clone();
    let entry = &log.as_array().expect("log")[0];
    let received = entry["received_ms"].as_f64().expect("received_ms");
    let answered = entry["answered_ms"].as_f64().expect("answered_ms");
    assert!(
        before <= received && answered <= after,
        "{before} {received} {answered} {after}"
    );
    assert!(
        answered - received >= 300.0,
        "the added latency lies between the two"
    );
    assert_eq!(entry["http"], "1.1");
}

#[tokio::test]
async fn control_token_matches_token_endpoint_shape() {
    let t = start("demo");
    let r: Value = t.http.post(t.real("contosoprod.crm.dynamics.com", "/_emulator/token"))
        .json(&json!({"user": ADMIN, "resource": "https://contosoprod.crm.dynamics.com/", "scopes": ["user_impersonation"]}))
        .send().await.expect("r").json().await.expect("j");
    let c = claims(r["access_token"].as_str().expect("t"));
    assert_eq!(c["aud"], PROD);
    assert_eq!(c["scp"], "user_impersonation");
    assert_eq!(c["appid"], CLIENT_ID);
    assert!(c["exp"].as_i64().expect("exp") > c["iat"].as_i64().expect("iat"));
}

#[tokio::test]
async fn revoke_sign_in_ends_refresh_tokens_and_sessions_but_not_access_tokens() {
    let t = start("demo");
    let scope =
        "openid profile offline_access https://globaldisco.crm.dynamics.com/user_impersonation";
    let (verifier, challenge) = pkce();
    let (code, cookie) = sign_in(&t, scope, &challenge).await;
    let (s, body, _) = redeem(&t, &code, &verifier, scope, Some(ORIGIN)).await;
    assert_eq!(s, 200, "{body}");
    let rt = body["refresh_token"].as_str().expect("rt").to_string();
    let at = body["access_token"].as_str().expect("at").to_string();

    let r = t
        .http
        .post(t.local("/_emulator/revoke-sign-in"))
        .json(&json!({"user": ADMIN}))
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), 200);
    let counts: Value = r.json().await.expect("json");
    assert_eq!(counts, json!({"refresh_tokens": 1, "sessions": 1}));

    // The refresh token is refused as Entra refuses a revoked grant.
    let (s, b) = refresh(&t, &rt, scope).await;
    assert_eq!(s, 400);
    assert_eq!(b["error"], "invalid_grant");
    assert_eq!(b["error_codes"], json!([50173]));
    // The session cookie no longer signs in silently.
    assert_eq!(
        silent_authorize_error(&t, &cookie, scope, &challenge).await,
        "login_required"
    );
    // An access token already issued stays valid until it expires.
    let (s, _) = t
        .get(
            &t.real(
                "globaldisco.crm.dynamics.com",
                "/api/discovery/v2.0/Instances",
            ),
            &at,
        )
        .await;
    assert_eq!(s, 200);
    // Signing in interactively again gives a working refresh token.
    let (code, _) = sign_in(&t, scope, &challenge).await;
    let (s, body, _) = redeem(&t, &code, &verifier, scope, Some(ORIGIN)).await;
    assert_eq!(s, 200, "{body}");
    let (s, _) = refresh(&t, body["refresh_token"].as_str().expect("rt"), scope).await;
    assert_eq!(s, 200);

    let r = t
        .http
        .post(t.local("/_emulator/revoke-sign-in"))
        .json(&json!({"user": "nobody@contoso.onmicrosoft.com"}))
        .send()
        .await
        .expect("revoke");
    assert_eq!(r.status(), 400);
}
