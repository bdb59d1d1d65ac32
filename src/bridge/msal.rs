//! Typed wrapper over the MSAL.js bridge (`js/bridge.js`, bundled by esbuild).
//!
//! The JS side speaks JSON strings (and, for a token, an object read field by field here, so
//! the token never passes through a JSON text); every value crossing here is turned into a
//! Rust type at this boundary and no `JsValue` escapes the module.

use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Reflect;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::token_memo::TokenMemo;
use super::token_requests::{Gate, InFlight, Turn, TOKEN_REQUESTS_AT_ONCE};

#[wasm_bindgen(module = "/js/dist/bridge.js")]
extern "C" {
    #[wasm_bindgen(js_name = bridgeInit)]
    fn bridge_init(config_json: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = bridgeSsoSilent)]
    fn bridge_sso_silent(login_hint: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = bridgeSignInPopup)]
    fn bridge_sign_in_popup() -> js_sys::Promise;
    #[wasm_bindgen(js_name = bridgeSignInAgain)]
    fn bridge_sign_in_again(home_account_id: &str, login_hint: &str) -> js_sys::Promise;
    /// Resolves to `{token, expiresOn}` (Unix ms), read only in [`acquire_token`].
    #[wasm_bindgen(js_name = bridgeAcquireToken)]
    fn bridge_acquire_token(scope: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = bridgeRenewToken)]
    fn bridge_renew_token(scope: &str) -> js_sys::Promise;
    #[wasm_bindgen(js_name = bridgeSignOut)]
    fn bridge_sign_out() -> js_sys::Promise;
}

/// What MSAL needs to know about our registration and the cloud.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct MsalConfig {
    pub client_id: String,
    pub authority: String,
    pub known_authorities: Vec<String>,
    pub redirect_uri: String,
    /// Scopes asked for at sign-in: the Dynamics permission (discovery and every environment).
    pub login_scopes: Vec<String>,
    /// Scopes never asked for at sign-in, in a prompt or a hidden iframe: only redeemed from
    /// the refresh token, so that one nobody consented to cannot block sign-in (Graph).
    pub optional_scopes: Vec<String>,
    /// The page is a browser extension's: sign-in runs through `chrome.identity`.
    pub browser_extension: bool,
}

/// The signed-in administrator, as MSAL knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub home_account_id: String,
    pub tenant_id: String,
    pub username: String,
    pub name: String,
}

/// Why the bridge could not do what was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthErrorKind {
    /// A person has to sign in (again): no session, expired, or consent missing.
    InteractionRequired,
    /// The admin closed the sign-in window.
    Cancelled,
    /// The browser blocked the sign-in window.
    PopupBlocked,
    /// The identity provider could not be reached.
    Network,
    /// Signed in again as another account than the one the runs belong to.
    WrongAccount,
    /// The app registration is single-tenant and the sign-in went through `organizations`
    /// (AADSTS50194): `config.json` must name the directory.
    TenantRequired,
    /// The configured `"tenant"` is no directory Entra knows (AADSTS90002).
    UnknownTenant,
    /// The permissions were not granted: the admin declined, or only an administrator may
    /// grant them ("Need admin approval", AADSTS65004).
    ConsentDeclined,
    /// Anything else MSAL reported.
    Other,
}

/// An error from MSAL, with its own code kept for the admin and for support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} ({code})")]
pub struct AuthError {
    pub kind: AuthErrorKind,
    pub code: String,
    pub message: String,
}

impl AuthError {
    /// What the admin can do about it, in one sentence.
    pub fn remedy(&self) -> &'static str {
        match self.kind {
            AuthErrorKind::InteractionRequired => "Sign in again to continue.",
            AuthErrorKind::Cancelled => "The sign-in window was closed before it finished; press Sign in to try again.",
            AuthErrorKind::PopupBlocked => "The browser blocked the sign-in window: allow pop-ups for this page, then press Sign in again.",
            AuthErrorKind::Network => "The Microsoft sign-in service could not be reached: check the network, then try again.",
            AuthErrorKind::WrongAccount => "The waiting runs belong to the account that started them: press Sign in again and choose that account. Nothing was written as the other one.",
            AuthErrorKind::TenantRequired => "This tool's app registration accepts only accounts of its own directory (\"Accounts in this organizational directory only\"). Add \"tenant\": \"<your directory (tenant) id or verified domain>\" to config.json beside index.html, then reload — or make the registration multi-tenant (\"Accounts in any organizational directory\").",
            AuthErrorKind::UnknownTenant => "Microsoft knows no directory by the \"tenant\" in config.json: write the Directory (tenant) ID shown on the app registration's Overview page, or one of the directory's verified domains, then reload.",
            AuthErrorKind::ConsentDeclined => "The tool's permission (Dynamics CRM user_impersonation) was not granted. An Entra administrator can grant it for everyone: App registrations → this tool → API permissions → Grant admin consent. Then press Sign in again.",
            AuthErrorKind::Other => "Sign-in failed; the code above tells Microsoft support what happened.",
        }
    }

    fn from_rejection(value: JsValue) -> Self {
        let text = super::js_message(&value).unwrap_or_default();
        let parsed = js_sys::JSON::parse(&text).ok().filter(JsValue::is_object);
        let field = |name: &str| parsed.as_ref().and_then(|o| text_field(o, name));
        match field("kind").and_then(|k| AuthErrorKind::from_wire(&k)) {
            Some(kind) => AuthError {
                kind,
                code: field("code").unwrap_or_default(),
                message: field("message").unwrap_or_default(),
            },
            None => AuthError {
                kind: AuthErrorKind::Other,
                code: "bridge".into(),
                message: if text.is_empty() {
                    "the sign-in bridge failed".into()
                } else {
                    text
                },
            },
        }
    }
}

impl AuthErrorKind {
    /// The bridge's name for a kind (`js/bridge.js`, `fail(kind, …)`).
    fn from_wire(kind: &str) -> Option<Self> {
        Some(match kind {
            "interaction_required" => Self::InteractionRequired,
            "cancelled" => Self::Cancelled,
            "popup_blocked" => Self::PopupBlocked,
            "network" => Self::Network,
            "wrong_account" => Self::WrongAccount,
            "tenant_required" => Self::TenantRequired,
            "unknown_tenant" => Self::UnknownTenant,
            "consent_declined" => Self::ConsentDeclined,
            "other" => Self::Other,
            _ => return None,
        })
    }
}

/// A string member of a JS object.
fn text_field(object: &JsValue, name: &str) -> Option<String> {
    Reflect::get(object, &JsValue::from_str(name))
        .ok()?
        .as_string()
}

/// An access token. Deliberately not `Debug`/`Display`/`Serialize`, so it cannot
/// end up in a log line, a report or an error message by accident.
pub struct AccessToken(String);

impl AccessToken {
    /// The `Authorization` header value.
    pub fn bearer(&self) -> String {
        format!("Bearer {}", self.0)
    }
}

async fn settle(promise: js_sys::Promise) -> Result<String, AuthError> {
    match JsFuture::from(promise).await {
        Ok(value) => Ok(value.as_string().unwrap_or_default()),
        Err(rejection) => Err(AuthError::from_rejection(rejection)),
    }
}

/// The bridge's account JSON (`null` when nobody is signed in), read with the browser's JSON
/// parser: the sign-in shell carries no JSON library (README, "How the production build is
/// made").
fn parse_account(json: &str) -> Result<Option<Account>, AuthError> {
    let unreadable = || AuthError {
        kind: AuthErrorKind::Other,
        code: "bridge_account".into(),
        message: "the sign-in bridge returned an unreadable account".into(),
    };
    let value = js_sys::JSON::parse(json).map_err(|_| unreadable())?;
    if value.is_null() {
        return Ok(None);
    }
    let field = |name: &str| text_field(&value, name).ok_or_else(unreadable);
    Ok(Some(Account {
        home_account_id: field("home_account_id")?,
        tenant_id: field("tenant_id")?,
        username: field("username")?,
        name: field("name")?,
    }))
}

impl MsalConfig {
    /// The JSON `bridgeInit` takes (the names of the `Serialize` derive, camelCase).
    pub fn to_json(&self) -> String {
        let object = js_sys::Object::new();
        let set = |name: &str, value: JsValue| {
            let _ = Reflect::set(&object, &JsValue::from_str(name), &value);
        };
        let list = |items: &[String]| -> JsValue {
            items
                .iter()
                .map(|s| JsValue::from_str(s))
                .collect::<js_sys::Array>()
                .into()
        };
        set("clientId", JsValue::from_str(&self.client_id));
        set("authority", JsValue::from_str(&self.authority));
        set("knownAuthorities", list(&self.known_authorities));
        set("redirectUri", JsValue::from_str(&self.redirect_uri));
        set("loginScopes", list(&self.login_scopes));
        set("optionalScopes", list(&self.optional_scopes));
        set(
            "browserExtension",
            JsValue::from_bool(self.browser_extension),
        );
        js_sys::JSON::stringify(&object)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_default()
    }
}

/// Starts MSAL and returns the account already signed in to this tab, if any.
pub async fn init(config: &MsalConfig) -> Result<Option<Account>, AuthError> {
    parse_account(&settle(bridge_init(&config.to_json())).await?)
}

/// Signs in without showing anything, from the admin's existing Microsoft session.
pub async fn sign_in_silently(login_hint: Option<&str>) -> Result<Account, AuthError> {
    forget_all_tokens();
    let json = settle(bridge_sso_silent(login_hint.unwrap_or(""))).await?;
    required(parse_account(&json)?)
}

/// Signs in through Microsoft's sign-in window.
pub async fn sign_in_with_popup() -> Result<Account, AuthError> {
    forget_all_tokens();
    let json = settle(bridge_sign_in_popup()).await?;
    required(parse_account(&json)?)
}

/// Signs `operator` in again through Microsoft's sign-in window, for runs that wait for it. Another
/// account is refused (`WrongAccount`): its tokens are dropped and `operator` stays signed in.
pub async fn sign_in_again_as(operator: &Account) -> Result<Account, AuthError> {
    forget_all_tokens();
    let json = settle(bridge_sign_in_again(
        &operator.home_account_id,
        &operator.username,
    ))
    .await?;
    required(parse_account(&json)?)
}

fn required(account: Option<Account>) -> Result<Account, AuthError> {
    account.ok_or(AuthError {
        kind: AuthErrorKind::Other,
        code: "no_account".into(),
        message: "sign-in finished without an account".into(),
    })
}

thread_local! {
    /// The page's tokens between requests (see [`token_memo`](super::token_memo) for why and
    /// what keeps it honest). Page memory only, like MSAL's own cache.
    static MEMO: RefCell<TokenMemo> = RefCell::new(TokenMemo::default());
    /// Token requests on their way to MSAL, by scope, and the bound on them (see
    /// [`token_requests`](super::token_requests)).
    static IN_FLIGHT: Rc<InFlight<Result<String, AuthError>>> = Rc::default();
    static TOKEN_GATE: Rc<Gate> = Gate::new(TOKEN_REQUESTS_AT_ONCE);
}

fn kept_token(scope: &str) -> Option<AccessToken> {
    let now = js_sys::Date::now();
    MEMO.with_borrow(|m| m.get(scope, now).map(|t| AccessToken(t.to_owned())))
}

/// A token for one resource scope: the one kept in memory while it is good, else MSAL's (from
/// its cache or its refresh token), which is then kept. Callers asking for the same scope at
/// once share one request to MSAL; at most [`TOKEN_REQUESTS_AT_ONCE`] go to MSAL at once.
pub async fn acquire_token(scope: &str) -> Result<AccessToken, AuthError> {
    loop {
        if let Some(token) = kept_token(scope) {
            return Ok(token);
        }
        let in_flight = IN_FLIGHT.with(Rc::clone);
        let lead = match in_flight.turn(scope) {
            Turn::Follow(answer) => {
                let epoch = MEMO.with_borrow(TokenMemo::epoch);
                match answer.await {
                    Ok(answer) if MEMO.with_borrow(TokenMemo::epoch) == epoch => {
                        return answer.map(AccessToken)
                    }
                    // Its caller gave up, or a token was refused or an account signed in
                    // meanwhile (the answer may be the refused token): ask again.
                    _ => continue,
                }
            }
            Turn::Lead(lead) => lead,
        };
        let gate = TOKEN_GATE.with(Rc::clone);
        let _permit = Gate::enter(&gate).await;
        let answer = match kept_token(scope) {
            Some(token) => Ok(token.0),
            None => ask_msal(scope).await,
        };
        lead.answer(&answer);
        return answer.map(AccessToken);
    }
}

/// Asks MSAL for `scope`'s token and keeps it.
async fn ask_msal(scope: &str) -> Result<String, AuthError> {
    let epoch = MEMO.with_borrow(TokenMemo::epoch);
    let answer = JsFuture::from(bridge_acquire_token(scope))
        .await
        .map_err(AuthError::from_rejection)?;
    let field = |name: &str| Reflect::get(&answer, &JsValue::from_str(name)).ok();
    let token = field("token")
        .and_then(|t| t.as_string())
        .ok_or(AuthError {
            kind: AuthErrorKind::Other,
            code: "bridge_token".into(),
            message: "the sign-in bridge returned no token".into(),
        })?;
    let expires_on = field("expiresOn").and_then(|e| e.as_f64()).unwrap_or(0.0);
    MEMO.with_borrow_mut(|m| m.keep(scope, &token, expires_on, epoch));
    Ok(token)
}

/// Stops handing out the kept token for `scope` (its service refused it).
pub fn forget_token(scope: &str) {
    MEMO.with_borrow_mut(|m| m.forget(scope));
    IN_FLIGHT.with(|f| f.forget(scope));
}

/// Replaces the cached token for one resource scope with a fresh one (after the service
/// refused it), without showing anything; `InteractionRequired` when only the admin can.
pub async fn renew_token(scope: &str) -> Result<(), AuthError> {
    forget_token(scope);
    let renewed = settle(bridge_renew_token(scope)).await.map(|_| ());
    // Whatever was asked for while the renewal ran may be the refused token.
    forget_token(scope);
    renewed
}

/// Forgets this tab's tokens.
pub async fn sign_out() -> Result<(), AuthError> {
    forget_all_tokens();
    settle(bridge_sign_out()).await.map(|_| ())
}

fn forget_all_tokens() {
    // Callers waiting for a request on its way see the new epoch and ask again.
    MEMO.with_borrow_mut(TokenMemo::forget_all);
}
