//! The browser glue, tested in Chromium: the real bundled MSAL.js behind the bridge,
//! and the configuration the app derives from `config.json`.
#![cfg(target_arch = "wasm32")]
// Test code may unwrap; clippy does not see `#[wasm_bindgen_test]` functions as tests
// (clippy.toml's `allow-unwrap-in-tests` covers `#[test]` only).
#![allow(clippy::unwrap_used)]

use w365_appuser::api::transport::scope_for;
use w365_appuser::auth::{extension_redirect_uri, msal_config};
use w365_appuser::bridge::msal::{self, AuthErrorKind};
use w365_appuser::config::{AppConfig, ConfigError};
use w365_core::cloud::Cloud;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CLIENT: &str = "0c1f3f6e-9a77-4c57-9a7c-3b2d4a6f5e10";

fn public_config() -> AppConfig {
    AppConfig::parse(&format!(r#"{{"clientId":"{CLIENT}","cloud":"public"}}"#))
        .expect("valid config")
}

#[wasm_bindgen_test]
fn missing_client_id_is_not_an_error_but_absent() {
    let config = AppConfig::parse(r#"{"cloud":"public"}"#).expect("valid config");
    assert_eq!(config.client_id, None);
    let blank = AppConfig::parse(r#"{"clientId":"  ","cloud":"public"}"#).expect("valid config");
    assert_eq!(blank.client_id, None);
}

#[wasm_bindgen_test]
fn public_cloud_uses_microsoft_endpoints() {
    let config = public_config();
    assert_eq!(config.client_id.as_deref(), Some(CLIENT));
    assert_eq!(
        config.endpoints.authority,
        "https://login.microsoftonline.com"
    );
    assert_eq!(
        config.endpoints.discovery,
        "https://globaldisco.crm.dynamics.com"
    );
    assert_eq!(config.endpoints.graph, "https://graph.microsoft.com");
}

#[wasm_bindgen_test]
fn malformed_config_is_refused_with_a_reason() {
    let error = AppConfig::parse(r#"{"clientId": 42}"#).unwrap_err();
    assert!(matches!(error, ConfigError::Invalid(_)), "{error:?}");
    let unknown = AppConfig::parse(r#"{"clientId":"x","cloud":"moon"}"#).unwrap_err();
    assert!(unknown.to_string().contains("moon"), "{unknown}");
    let typo = AppConfig::parse(r#"{"clientID":"x"}"#).unwrap_err();
    assert!(typo.to_string().contains("clientID"), "{typo}");
}

#[wasm_bindgen_test]
fn a_named_cloud_is_fixed_and_offers_no_choice() {
    let config = public_config();
    assert!(config.choices.is_empty());
    assert_eq!(config.cloud, Cloud::Public);
}

#[wasm_bindgen_test]
fn choose_offers_every_named_cloud_and_custom_only_when_configured() {
    let config = AppConfig::parse(r#"{"clientId":"x","cloud":"choose"}"#).expect("valid config");
    assert_eq!(config.choices, Cloud::NAMED.to_vec());
    assert_eq!(config.cloud, Cloud::Public, "the first one is preselected");
    let with_custom = AppConfig::parse(
        r#"{"clientId":"x","cloud":"choose","authority":"https://127.0.0.1:1/login","discovery":"https://127.0.0.1:1/disco","graph":"https://127.0.0.1:1/graph"}"#,
    )
    .expect("valid config");
    assert_eq!(with_custom.choices.len(), 6);
    assert_eq!(with_custom.choices[5].key(), "custom");
}

#[wasm_bindgen_test]
fn a_list_of_clouds_offers_those_and_switching_follows_the_choice() {
    let config = AppConfig::parse(r#"{"clientId":"x","cloud":["gcc-high","public","gcc-high"]}"#)
        .expect("valid config");
    assert_eq!(config.choices, vec![Cloud::GccHigh, Cloud::Public]);
    assert_eq!(config.cloud, Cloud::GccHigh);
    assert_eq!(
        config.endpoints.authority,
        "https://login.microsoftonline.us"
    );
    let public = config.with_cloud(Cloud::Public);
    assert_eq!(
        public.endpoints.authority,
        "https://login.microsoftonline.com"
    );
    assert_eq!(public.choices, config.choices);
    for bad in [
        r#"{"cloud":[]}"#,
        r#"{"cloud":["moon"]}"#,
        r#"{"cloud":["choose"]}"#,
        r#"{"cloud":["custom"]}"#,
    ] {
        let error = AppConfig::parse(bad).unwrap_err();
        assert!(matches!(error, ConfigError::Invalid(_)), "{bad}: {error:?}");
    }
}

#[wasm_bindgen_test]
fn custom_cloud_must_be_https() {
    let error = AppConfig::parse(
        r#"{"clientId":"x","cloud":"custom","authority":"http://127.0.0.1:1/login","discovery":"https://127.0.0.1:1/disco","graph":"https://127.0.0.1:1/graph"}"#,
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("http://127.0.0.1:1/login"),
        "{error}"
    );
}

#[wasm_bindgen_test]
fn msal_config_points_redirect_beside_the_page_and_consents_once() {
    let config = public_config();
    let msal = msal_config(&config, CLIENT, "https://tools.example.org/w365/index.html");
    assert_eq!(
        msal.redirect_uri,
        "https://tools.example.org/w365/redirect.html"
    );
    assert_eq!(
        msal.authority,
        "https://login.microsoftonline.com/organizations"
    );
    assert!(msal.known_authorities.is_empty());
    // Sign-in asks for the Dynamics permission only; Graph's is optional, never asked for.
    assert_eq!(
        msal.login_scopes,
        ["https://globaldisco.crm.dynamics.com/user_impersonation"]
    );
    assert_eq!(
        msal.optional_scopes,
        ["https://graph.microsoft.com/Application.Read.All"]
    );
    let json = serde_json::to_value(&msal).unwrap();
    assert!(!json.to_string().contains("extraScopes"), "{json}");
}

#[wasm_bindgen_test]
fn a_tenant_makes_the_authority_that_directorys_for_the_page_and_the_extension() {
    let id = "8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30";
    let by_id = AppConfig::parse(&format!(
        r#"{{"clientId":"{CLIENT}","cloud":"public","tenant":"{}"}}"#,
        id.to_uppercase()
    ))
    .expect("valid config");
    assert_eq!(
        msal_config(&by_id, CLIENT, "https://tools.example.org/").authority,
        format!("https://login.microsoftonline.com/{id}")
    );
    let extension = "chrome-extension://jnggalibfkfhgecgdpkejcbcgjjfhian/index.html";
    assert_eq!(
        msal_config(&by_id, CLIENT, extension).authority,
        format!("https://login.microsoftonline.com/{id}")
    );
    let by_domain = AppConfig::parse(
        r#"{"clientId":"x","cloud":"gcc-high","tenant":"Contoso.OnMicrosoft.us"}"#,
    )
    .expect("valid config");
    assert_eq!(
        msal_config(&by_domain, "x", "https://tools.example.org/").authority,
        "https://login.microsoftonline.us/contoso.onmicrosoft.us"
    );
    let custom = AppConfig::parse(&format!(
        r#"{{"clientId":"x","cloud":"custom","tenant":"{id}","authority":"https://127.0.0.1:8443/login","discovery":"https://127.0.0.1:8443/disco","graph":"https://127.0.0.1:8443/graph"}}"#
    ))
    .expect("valid config");
    let msal = msal_config(&custom, "x", "https://127.0.0.1:8443/");
    assert_eq!(msal.authority, format!("https://127.0.0.1:8443/login/{id}"));
    assert_eq!(msal.known_authorities, ["127.0.0.1:8443"]);
    // Without a tenant: the generic authority of a multi-tenant registration.
    assert_eq!(
        public_config().tenant,
        w365_core::cloud::SignInTenant::Organizations
    );
}

#[wasm_bindgen_test]
fn a_tenant_that_is_no_directory_is_refused_saying_what_to_write() {
    for (tenant, hint) in [
        ("common", "leave \"tenant\" out"),
        ("https://login.microsoftonline.com/contoso.com", "not a URL"),
        ("contoso", "directory (tenant) id"),
        ("", "empty"),
    ] {
        let error = AppConfig::parse(&format!(
            r#"{{"clientId":"x","cloud":"public","tenant":"{tenant}"}}"#
        ))
        .unwrap_err();
        assert!(
            matches!(error, ConfigError::Invalid(_)),
            "{tenant}: {error:?}"
        );
        let text = error.to_string();
        assert!(text.contains("\"tenant\""), "{text}");
        assert!(text.contains(hint), "{tenant}: {text}");
    }
}

#[wasm_bindgen_test]
fn the_login_hint_is_a_username_kept_for_the_tab_and_forgotten_at_sign_out() {
    use w365_appuser::login_hint;
    login_hint::forget();
    assert_eq!(login_hint::remembered(), None);
    login_hint::remember("admin@contoso.onmicrosoft.com");
    assert_eq!(
        login_hint::remembered().as_deref(),
        Some("admin@contoso.onmicrosoft.com")
    );
    let stored = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .get_item(login_hint::KEY)
        .unwrap();
    assert_eq!(stored.as_deref(), Some("admin@contoso.onmicrosoft.com"));
    // Nothing that is not a username is kept (a token would be refused too).
    login_hint::remember("eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.sig");
    assert_eq!(
        login_hint::remembered().as_deref(),
        Some("admin@contoso.onmicrosoft.com")
    );
    login_hint::forget();
    assert_eq!(login_hint::remembered(), None);
}

#[wasm_bindgen_test]
fn extension_page_redirects_to_the_identity_api_address() {
    let config = public_config();
    let page = "chrome-extension://jnggalibfkfhgecgdpkejcbcgjjfhian/index.html";
    let msal = msal_config(&config, CLIENT, page);
    assert_eq!(
        msal.redirect_uri,
        "https://jnggalibfkfhgecgdpkejcbcgjjfhian.chromiumapp.org/"
    );
    assert!(msal.browser_extension);
    assert!(!msal_config(&config, CLIENT, "https://tools.example.org/").browser_extension);
    // Not an extension id (wrong alphabet): treated as an ordinary page.
    assert_eq!(
        extension_redirect_uri("chrome-extension://not-an-id/index.html"),
        None
    );
}

#[wasm_bindgen_test]
fn custom_cloud_authority_is_named_as_known() {
    let config = AppConfig::parse(
        r#"{"clientId":"x","cloud":"custom","authority":"https://127.0.0.1:8443/login","discovery":"https://127.0.0.1:8443/disco","graph":"https://127.0.0.1:8443/graph"}"#,
    )
    .expect("valid config");
    let msal = msal_config(&config, "x", "https://127.0.0.1:8443/");
    assert_eq!(msal.authority, "https://127.0.0.1:8443/login/organizations");
    assert_eq!(msal.known_authorities, ["127.0.0.1:8443"]);
    assert_eq!(msal.redirect_uri, "https://127.0.0.1:8443/redirect.html");
}

#[wasm_bindgen_test]
fn each_resource_gets_its_own_scope() {
    let endpoints = public_config().endpoints;
    assert_eq!(
        scope_for(&endpoints, "https://graph.microsoft.com"),
        "https://graph.microsoft.com/Application.Read.All"
    );
    assert_eq!(
        scope_for(&endpoints, "https://contoso.crm.dynamics.com/"),
        "https://contoso.crm.dynamics.com/user_impersonation"
    );
}

#[wasm_bindgen_test]
async fn real_msal_starts_with_nobody_signed_in_and_refuses_tokens() {
    let config = public_config();
    let page = web_sys::window().unwrap().location().href().unwrap();
    let account = msal::init(&msal_config(&config, CLIENT, &page))
        .await
        .expect("MSAL starts");
    assert_eq!(account, None);
    let error = match msal::acquire_token("https://graph.microsoft.com/Application.Read.All").await
    {
        Ok(_) => panic!("a token without anybody signed in"),
        Err(error) => error,
    };
    assert_eq!(error.kind, AuthErrorKind::InteractionRequired, "{error:?}");
    assert!(!error.remedy().is_empty());
}

#[wasm_bindgen_test]
fn extension_launch_preselects_only_an_environment_id() {
    // The id as text, canonical (the `data-env-id` value).
    let environment_in_query =
        |q: &str| w365_appuser::launch::environment_in_query(q).map(|id| id.to_string());
    let id = "e5f98260-3636-4c31-8674-8c031e0a2be2";
    assert_eq!(
        environment_in_query(&format!("?env={id}")).as_deref(),
        Some(id)
    );
    assert_eq!(
        environment_in_query(&format!("?x=1&env=Default-{id}")),
        Some(format!("Default-{id}"))
    );
    // The admin center's link into the default environment, in whatever case it comes.
    assert_eq!(
        environment_in_query(&format!("?env=default-{}", id.to_uppercase())),
        Some(format!("Default-{id}"))
    );
    assert_eq!(environment_in_query("?env=javascript:alert(1)"), None);
    assert_eq!(environment_in_query("?env=%22%3E%3Cscript%3E"), None);
    assert_eq!(environment_in_query(""), None);
}

#[wasm_bindgen_test]
fn the_test_only_timeout_knob_is_read_bounded_and_absent_by_default() {
    assert_eq!(public_config().test_request_timeout_ms, None);
    let config = AppConfig::parse(&format!(
        r#"{{"clientId":"{CLIENT}","cloud":"public","testing":{{"requestTimeoutMs":1500}}}}"#
    ))
    .expect("valid config");
    assert_eq!(config.test_request_timeout_ms, Some(1500));
    let policy = {
        w365_appuser::run::policy::configure(&config);
        w365_appuser::run::policy::retry()
    };
    assert_eq!(
        (policy.read_timeout_ms, policy.write_timeout_ms),
        (1500, 1500)
    );
    w365_appuser::run::policy::configure(&public_config());
    assert_eq!(w365_appuser::run::policy::retry().read_timeout_ms, 30_000);
    let too_short = AppConfig::parse(&format!(
        r#"{{"clientId":"{CLIENT}","testing":{{"requestTimeoutMs":5}}}}"#
    ))
    .unwrap_err();
    assert!(
        too_short.to_string().contains("automated tests only"),
        "{too_short}"
    );
    let typo = AppConfig::parse(&format!(
        r#"{{"clientId":"{CLIENT}","testing":{{"timeoutMs":1500}}}}"#
    ))
    .unwrap_err();
    assert!(typo.to_string().contains("timeoutMs"), "{typo}");
}

#[wasm_bindgen_test]
fn the_jitter_seed_is_drawn_once_per_page_load() {
    let seed = w365_appuser::run::policy::page_seed();
    assert_eq!(w365_appuser::run::policy::page_seed(), seed);
    let options = w365_appuser::run::policy::unattended(w365_core::procedure::Mode::Setup);
    assert_eq!(options.seed, seed);
    assert_ne!(
        seed,
        w365_core::procedure::Options::default().seed,
        "not the tests' fixed seed"
    );
}

#[wasm_bindgen_test]
fn the_settings_handed_to_msal_are_the_json_of_their_serde_names() {
    let msal = msal_config(&public_config(), CLIENT, "https://tools.example.org/");
    let written: serde_json::Value = serde_json::from_str(&msal.to_json()).expect("JSON");
    assert_eq!(written, serde_json::to_value(&msal).expect("serialises"));
}

#[wasm_bindgen_test]
fn config_json_is_read_by_the_browsers_parser_with_the_same_rules() {
    // A field written as null is a field left out.
    let config = AppConfig::parse(r#"{"clientId":"x","cloud":"public","tenant":null}"#)
        .expect("valid config");
    assert_eq!(config.tenant, w365_core::cloud::SignInTenant::Organizations);
    for (bad, says) in [
        ("[]", "JSON object"),
        ("\"x\"", "JSON object"),
        ("{\"clientId\":\"x\",", ""),
        (r#"{"clientId":"x","cloud":7}"#, "\"cloud\""),
        (r#"{"clientId":"x","cloud":["public",7]}"#, "\"cloud\""),
        (r#"{"clientId":"x","graph":true}"#, "\"graph\""),
        (
            r#"{"clientId":"x","testing":{"requestTimeoutMs":1500.5}}"#,
            "requestTimeoutMs",
        ),
        (r#"{"clientId":"x","testing":[]}"#, "\"testing\""),
    ] {
        let error = AppConfig::parse(bad).unwrap_err();
        assert!(matches!(error, ConfigError::Invalid(_)), "{bad}: {error:?}");
        assert!(error.to_string().contains(says), "{bad}: {error}");
    }
}
