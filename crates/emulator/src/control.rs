//! The emulator's own control plane under `/_emulator/`: state, faults, reset, tokens.

use std::sync::Mutex;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::faults::Fault;
use crate::http::{Req, Resp};
use crate::ids::ObjectId;
use crate::scenario::{self, ScenarioSource};
use crate::settings::Settings;
use crate::state::{Tenant, User};
use crate::world::World;

fn open_cors(req: &Req, resp: Resp) -> Resp {
    let origin = req.origin().unwrap_or("*").to_string();
    resp.header("Access-Control-Allow-Origin", origin)
        .header("Cache-Control", "no-store")
}

fn bad(message: impl Into<String>) -> Resp {
    Resp::json(400, &json!({"error": message.into()}))
}

/// The state document served at `GET /_emulator/state`.
pub fn state_json(w: &World) -> Value {
    json!({
        "scenario": match &w.source {
            ScenarioSource::Named(n) => n.clone(),
            ScenarioSource::Path(p) => p.display().to_string(),
        },
        "tenant": w.tenant,
        "faults": w.faults,
        "requests": w.log,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    user: String,
    resource: String,
    #[serde(default)]
    scopes: Vec<String>,
    #[serde(default)]
    lifetime_secs: Option<i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RevokeRequest {
    /// One user's UPN; every user when absent.
    #[serde(default)]
    user: Option<String>,
}

/// `POST /_emulator/wrong-nonce`: the next `count` code redemptions answer with an id token
/// whose nonce is not the one the authorization request carried.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WrongNonceRequest {
    count: u32,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    #[serde(default)]
    scenario: Option<String>,
}

/// Mints a token for `upn` (an unknown UPN gets a user no environment knows).
pub fn mint(
    tenant: &Tenant,
    upn: &str,
    resource: &str,
    scopes: &[String],
    lifetime: i64,
) -> Result<String, String> {
    let user = tenant.user_by_upn(upn).cloned().unwrap_or_else(|| User {
        id: ObjectId::derived(&format!("user/{upn}")),
        upn: upn.to_string(),
        display_name: upn.to_string(),
    });
    let client = tenant
        .spa_apps
        .first()
        .map(|a| a.client_id.to_string())
        .unwrap_or_default();
    crate::identity::mint_access_token(tenant, &user, &client, resource, scopes, lifetime)
}

pub fn handle(world: &Mutex<World>, settings: &Settings, req: &Req, path: &str) -> Resp {
    if req.method == "OPTIONS" {
        return open_cors(req, crate::cors::preflight(req));
    }
    let Ok(mut w) = world.lock() else {
        return Resp::json(500, &json!({"error": "state lock poisoned"}));
    };
    let resp = match (req.method.as_str(), path.trim_end_matches('/')) {
        ("GET", "/_emulator/state") => Resp::json(200, &state_json(&w)),
        ("GET", "/_emulator/faults") => Resp::json(200, &json!(w.faults)),
        ("DELETE", "/_emulator/faults") => {
            w.faults.clear();
            Resp::json(200, &json!([]))
        }
        ("POST", "/_emulator/faults") => {
            let parsed: Result<Vec<Fault>, String> =
                match serde_json::from_slice::<Value>(&req.body) {
                    Ok(Value::Array(items)) => items
                        .into_iter()
                        .map(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
                        .collect(),
                    Ok(v) => serde_json::from_value(v)
                        .map(|f| vec![f])
                        .map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
            match parsed {
                Ok(fs) => {
                    w.faults.extend(fs);
                    Resp::json(200, &json!(w.faults))
                }
                Err(e) => bad(format!("invalid fault: {e}")),
            }
        }
        ("POST", "/_emulator/reset") => {
            let body: Result<ResetRequest, _> = if req.body.iter().all(u8::is_ascii_whitespace) {
                Ok(ResetRequest::default())
            } else {
                serde_json::from_slice(&req.body)
            };
            match body {
                Ok(r) => {
                    let source = r
                        .scenario
                        .as_deref()
                        .map(ScenarioSource::parse)
                        .unwrap_or_else(|| w.source.clone());
                    match scenario::load(&source) {
                        Ok(tenant) => {
                            *w = World::new(tenant, source);
                            Resp::json(200, &json!({"ok": true}))
                        }
                        Err(e) => bad(e.to_string()),
                    }
                }
                Err(e) => bad(format!("invalid reset body: {e}")),
            }
        }
        ("POST", "/_emulator/revoke-sign-in") => revoke_sign_in(&mut w, &req.body),
        ("POST", "/_emulator/wrong-nonce") => {
            match serde_json::from_slice::<WrongNonceRequest>(&req.body) {
                Ok(n) => {
                    w.identity.wrong_nonce = n.count;
                    Resp::json(200, &json!({"wrong_nonce": n.count}))
                }
                Err(e) => bad(format!("invalid wrong-nonce body: {e}")),
            }
        }
        ("POST", "/_emulator/token") => match serde_json::from_slice::<TokenRequest>(&req.body) {
            Ok(t) => {
                let lifetime = t.lifetime_secs.unwrap_or(settings.token_lifetime_secs);
                match mint(&w.tenant, &t.user, &t.resource, &t.scopes, lifetime) {
                    Ok(tok) => Resp::json(200, &json!({"access_token": tok})),
                    Err(e) => Resp::json(500, &json!({"error": e})),
                }
            }
            Err(e) => bad(format!("invalid token request: {e}")),
        },
        _ => Resp::json(
            404,
            &json!({"error": format!("no control endpoint {} {}", req.method, path)}),
        ),
    };
    drop(w);
    open_cors(req, resp)
}

/// Ends sign-in sessions as Entra's `revokeSignInSessions` does: refresh tokens stop working
/// (`invalid_grant`, AADSTS50173) and the session cookie no longer answers `prompt=none`, so
/// only an interactive sign-in gets new tokens. Access tokens already issued stay valid until
/// they expire, as at Entra.
fn revoke_sign_in(w: &mut World, body: &[u8]) -> Resp {
    let request: RevokeRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RevokeRequest::default()
    } else {
        match serde_json::from_slice(body) {
            Ok(r) => r,
            Err(e) => return bad(format!("invalid revoke body: {e}")),
        }
    };
    let oid = match request.user.as_deref() {
        None => None,
        Some(upn) => match w.tenant.user_by_upn(upn) {
            Some(user) => Some(user.id.clone()),
            None => return bad(format!("no user {upn:?} in the tenant")),
        },
    };
    let concerns = |user: &ObjectId| oid.as_ref().is_none_or(|o| o == user);
    let mut refresh_tokens = 0;
    for grant in w.identity.refresh.values_mut() {
        if concerns(&grant.oid) && !grant.revoked {
            grant.revoked = true;
            refresh_tokens += 1;
        }
    }
    let before = w.identity.sessions.len();
    w.identity.sessions.retain(|_, user| !concerns(user));
    let sessions = before - w.identity.sessions.len();
    Resp::json(
        200,
        &json!({"refresh_tokens": refresh_tokens, "sessions": sessions}),
    )
}
