//! A sovereign cloud on its own host names: the Host header decides the cloud, and with it
//! every URL an answer names, which tokens are accepted and which environments are listed.

use serde_json::Value;

use crate::common::*;

const GOV_LOGIN: &str = "login.microsoftonline.us";
const GOV_DISCO: &str = "https://globaldisco.crm.microsoftdynamics.us";
const GOV_GRAPH: &str = "https://graph.microsoft.us";
const GOV_ENV: &str = "https://contosogov.crm.microsoftdynamics.us";

#[tokio::test]
async fn gcc_high_discovery_lists_its_environments_and_public_discovery_does_not() {
    let t = start("gcc-high");
    let instances = "/api/discovery/v2.0/Instances";
    let (s, b) = t
        .get(
            &t.real("globaldisco.crm.microsoftdynamics.us", instances),
            &t.token(ADMIN, GOV_DISCO),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let urls: Vec<&str> = b["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|i| i["Url"].as_str().expect("Url"))
        .collect();
    assert_eq!(urls, [GOV_ENV]);
    // The public cloud's discovery service knows no GCC High environment...
    let (s, b) = t
        .get(
            &t.real("globaldisco.crm.dynamics.com", instances),
            &t.token(ADMIN, DISCO),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["value"].as_array().expect("value").len(), 0);
    // ...and a token for it is no good in GCC High.
    let r = t
        .http
        .get(t.real("globaldisco.crm.microsoftdynamics.us", instances))
        .bearer_auth(t.token(ADMIN, DISCO))
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 401);
    let challenge = r.headers()["www-authenticate"].to_str().expect("h");
    assert!(
        challenge.contains("authorization_uri=https://login.microsoftonline.us/"),
        "{challenge}"
    );
}

#[tokio::test]
async fn gcc_high_dataverse_and_graph_answer_on_their_hosts() {
    let t = start("gcc-high");
    let (s, b) = t
        .get(
            &t.real(
                "contosogov.crm.microsoftdynamics.us",
                "/api/data/v9.2/WhoAmI",
            ),
            &t.token(ADMIN, GOV_ENV),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert!(b["UserId"].is_string());
    let graph_token = t
        .emu
        .mint_token(ADMIN, GOV_GRAPH, &["Application.Read.All"]);
    let (s, b) = t
        .get(
            &t.real(
                "graph.microsoft.us",
                &format!("/v1.0/servicePrincipals(appId='{US_APP}')"),
            ),
            &graph_token,
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["appId"], US_APP);
}

#[tokio::test]
async fn gcc_high_sign_in_names_its_own_endpoints_and_consents_its_resources() {
    let t = start("gcc-high");
    let (s, meta) = t
        .get(
            &t.real(
                GOV_LOGIN,
                "/organizations/v2.0/.well-known/openid-configuration",
            ),
            "",
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        meta["token_endpoint"],
        "https://login.microsoftonline.us/organizations/oauth2/v2.0/token"
    );
    assert_eq!(meta["cloud_instance_name"], "microsoftonline.us");
    assert_eq!(meta["msgraph_host"], "graph.microsoft.us");

    // Sign in at the GCC High authority, consenting discovery and Graph there.
    let scope = format!(
        "openid profile offline_access {GOV_DISCO}/user_impersonation {GOV_GRAPH}/Application.Read.All"
    );
    let (verifier, challenge) = pkce();
    let url = t.real(
        GOV_LOGIN,
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}",
            authorize_query(&scope, &challenge, "select_account")
        ),
    );
    let r = t
        .http
        .post(&url)
        .form(&[("upn", ADMIN)])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 302);
    let code = fragment(r.headers()["location"].to_str().expect("loc"))["code"].clone();
    let token = |form: Vec<(&'static str, String)>| {
        let http = t.http.clone();
        let url = t.real(GOV_LOGIN, "/organizations/oauth2/v2.0/token");
        async move {
            let r = http
                .post(url)
                .header("Origin", ORIGIN)
                .form(&form)
                .send()
                .await
                .expect("token");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, body) = token(vec![
        ("client_id", CLIENT_ID.into()),
        ("grant_type", "authorization_code".into()),
        ("code", code),
        ("code_verifier", verifier),
        ("redirect_uri", REDIRECT.into()),
        ("scope", format!("{GOV_DISCO}/user_impersonation")),
    ])
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        claims(body["access_token"].as_str().expect("at"))["aud"],
        GOV_DISCO
    );
    // The environment is a Dynamics resource of the same sign-in: no second consent.
    let (s, body) = token(vec![
        ("client_id", CLIENT_ID.into()),
        ("grant_type", "refresh_token".into()),
        (
            "refresh_token",
            body["refresh_token"].as_str().expect("rt").into(),
        ),
        ("scope", format!("{GOV_ENV}/user_impersonation")),
    ])
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(
        claims(body["access_token"].as_str().expect("at"))["aud"],
        GOV_ENV
    );
}
