//! Helpers shared by the emulator's integration tests.
#![allow(dead_code)]

use std::net::SocketAddr;

use base64::Engine;
use serde_json::Value;
use sha2::Digest;
use w365_emulator::{Emulator, Options, RunningEmulator};

pub const ADMIN: &str = "admin@contoso.onmicrosoft.com";
pub const CLIENT_ID: &str = "0c1f3f6e-9a77-4c57-9a7c-3b2d4a6f5e10";
pub const US_APP: &str = "e4b1a995-abe3-4350-a61c-65fccd32e8bd";
pub const EU_APP: &str = "5e56ae97-9be1-40d3-938b-99ea52175a30";
pub const PROD: &str = "https://contosoprod.crm.dynamics.com";
pub const DISCO: &str = "https://globaldisco.crm.dynamics.com";
pub const GRAPH: &str = "https://graph.microsoft.com";

pub const HOSTS: &[&str] = &[
    "login.microsoftonline.com",
    "globaldisco.crm.dynamics.com",
    "graph.microsoft.com",
    "admin.powerplatform.microsoft.com",
    "contosoprod.crm.dynamics.com",
    "contososandbox.crm.dynamics.com",
    "contosodev.crm.dynamics.com",
    "contosodefault.crm.dynamics.com",
    "contosotraining.crm.dynamics.com",
    "contosoeu.crm4.dynamics.com",
    "unknownorg.crm.dynamics.com",
    "login.microsoftonline.us",
    "globaldisco.crm.microsoftdynamics.us",
    "graph.microsoft.us",
    "contosogov.crm.microsoftdynamics.us",
];

pub struct T {
    pub emu: RunningEmulator,
    pub http: reqwest::Client,
}

pub fn start(scenario: &str) -> T {
    start_with(Options::scenario(scenario))
}

pub fn start_with(options: Options) -> T {
    let emu = Emulator::spawn(options).expect("emulator starts");
    let addr: SocketAddr = format!("127.0.0.1:{}", emu.port()).parse().expect("addr");
    let mut b = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0);
    for h in HOSTS {
        b = b.resolve(h, addr);
    }
    T {
        emu,
        http: b.build().expect("client"),
    }
}

impl T {
    pub fn port(&self) -> u16 {
        self.emu.port()
    }
    /// `https://127.0.0.1:PORT` + path.
    pub fn local(&self, path: &str) -> String {
        format!("{}{path}", self.emu.base_url())
    }
    /// A real-host URL (`https://host:PORT/path`) mapped onto the emulator.
    pub fn real(&self, host: &str, path: &str) -> String {
        format!("https://{host}:{}{path}", self.port())
    }
    /// Prefix-mode Dataverse URL for an environment.
    pub fn dv(&self, org: &str, rel: &str) -> String {
        self.local(&format!("/org/{org}/api/data/v9.2/{rel}"))
    }
    pub fn token(&self, upn: &str, resource: &str) -> String {
        self.emu.mint_token(upn, resource, &["user_impersonation"])
    }
    pub fn admin_prod(&self) -> String {
        self.token(ADMIN, PROD)
    }
    pub async fn get(&self, url: &str, token: &str) -> (u16, Value) {
        let r = self
            .http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("request");
        let s = r.status().as_u16();
        (s, r.json().await.unwrap_or(Value::Null))
    }
    pub async fn post_json(&self, url: &str, token: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(url)
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }
    pub async fn state(&self) -> Value {
        self.http
            .get(self.local("/_emulator/state"))
            .send()
            .await
            .expect("state")
            .json()
            .await
            .expect("json")
    }
    pub async fn fault(&self, f: Value) {
        let r = self
            .http
            .post(self.local("/_emulator/faults"))
            .json(&f)
            .send()
            .await
            .expect("fault");
        assert_eq!(r.status(), 200);
    }
    pub fn root_bu(&self, org: &str) -> String {
        let s = self.emu.state_json();
        let env = env_of(&s, org);
        env["business_units"]
            .as_array()
            .expect("bus")
            .iter()
            .find(|b| b["parent"].is_null())
            .expect("root")["id"]
            .as_str()
            .expect("id")
            .to_string()
    }
    pub fn role_id(&self, org: &str, name: &str, bu: &str) -> String {
        let s = self.emu.state_json();
        env_of(&s, org)["roles"]
            .as_array()
            .expect("roles")
            .iter()
            .find(|r| r["name"] == name && r["business_unit"] == bu)
            .expect("role")["id"]
            .as_str()
            .expect("id")
            .to_string()
    }
}

pub fn env_of<'a>(state: &'a Value, org: &str) -> &'a Value {
    state["tenant"]["environments"]
        .as_array()
        .expect("envs")
        .iter()
        .find(|e| e["unique_name"] == org)
        .expect("env")
}

pub fn app_user_body(app: &str, bu: &str) -> Value {
    serde_json::json!({
        "applicationid": app,
        "accessmode": 4,
        "isdisabled": false,
        "businessunitid@odata.bind": format!("/businessunits({bu})")
    })
}

pub fn claims(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).expect("claims part");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("b64");
    serde_json::from_slice(&bytes).expect("json")
}

pub fn pkce() -> (String, String) {
    let verifier = "a-verifier-that-is-long-enough-for-pkce-0123456789abcdef".to_string();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub const REDIRECT: &str = "https://localhost:8080/redirect.html";
pub const ORIGIN: &str = "https://localhost:8080";

/// Fragment parameters of a redirect's Location.
pub fn fragment(location: &str) -> std::collections::HashMap<String, String> {
    let frag = location.split_once('#').map(|x| x.1).unwrap_or_default();
    url::form_urlencoded::parse(frag.as_bytes())
        .into_owned()
        .collect()
}

pub fn authorize_query(scope: &str, challenge: &str, prompt: &str) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("client_id", CLIENT_ID)
        .append_pair("scope", scope)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("response_type", "code")
        .append_pair("response_mode", "fragment")
        .append_pair("state", "st4te")
        .append_pair("nonce", "n0nce")
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("client_info", "1");
    if !prompt.is_empty() {
        s.append_pair("prompt", prompt);
    }
    s.finish()
}

/// Asks for a code without a prompt (`prompt=none`) with this session cookie; returns the
/// `error` of the answer's fragment ("" when a code came back).
pub async fn silent_authorize_error(t: &T, cookie: &str, scope: &str, challenge: &str) -> String {
    let url = t.real(
        "login.microsoftonline.com",
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}",
            authorize_query(scope, challenge, "none")
        ),
    );
    let r = t
        .http
        .get(&url)
        .header("Cookie", cookie)
        .send()
        .await
        .expect("authorize");
    let location = r.headers()["location"].to_str().expect("loc").to_owned();
    fragment(&location).remove("error").unwrap_or_default()
}

/// Signs `upn` in through the sign-in page; returns (code, session cookie).
pub async fn sign_in(t: &T, scope: &str, challenge: &str) -> (String, String) {
    let url = t.real(
        "login.microsoftonline.com",
        &format!(
            "/organizations/oauth2/v2.0/authorize?{}",
            authorize_query(scope, challenge, "select_account")
        ),
    );
    let page = t.http.get(&url).send().await.expect("page");
    assert_eq!(page.status(), 200);
    let r = t
        .http
        .post(&url)
        .form(&[("upn", ADMIN)])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 302);
    let cookie = r
        .headers()
        .get("set-cookie")
        .expect("cookie")
        .to_str()
        .expect("str")
        .split(';')
        .next()
        .expect("kv")
        .to_string();
    let loc = r.headers()["location"].to_str().expect("loc").to_string();
    let f = fragment(&loc);
    assert_eq!(f["state"], "st4te");
    (f["code"].clone(), cookie)
}

/// Redeems a code; returns status and JSON.
pub async fn redeem(
    t: &T,
    code: &str,
    verifier: &str,
    scope: &str,
    origin: Option<&str>,
) -> (u16, Value, Option<String>) {
    let mut rb = t
        .http
        .post(t.real(
            "login.microsoftonline.com",
            "/organizations/oauth2/v2.0/token?client-request-id=abc",
        ))
        .form(&[
            ("client_id", CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("code_verifier", verifier),
            ("redirect_uri", REDIRECT),
            ("scope", scope),
        ]);
    if let Some(o) = origin {
        rb = rb.header("Origin", o);
    }
    let r = rb.send().await.expect("token");
    let acao = r
        .headers()
        .get("access-control-allow-origin")
        .map(|v| v.to_str().unwrap_or_default().to_string());
    (
        r.status().as_u16(),
        r.json().await.unwrap_or(Value::Null),
        acao,
    )
}

pub async fn refresh(t: &T, rt: &str, scope: &str) -> (u16, Value) {
    let r = t
        .http
        .post(t.real(
            "login.microsoftonline.com",
            "/organizations/oauth2/v2.0/token",
        ))
        .header("Origin", ORIGIN)
        .form(&[
            ("client_id", CLIENT_ID),
            ("grant_type", "refresh_token"),
            ("refresh_token", rt),
            ("scope", scope),
        ])
        .send()
        .await
        .expect("refresh");
    (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
}
