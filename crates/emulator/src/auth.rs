//! Bearer-token checks shared by discovery, Dataverse and Graph.

use serde_json::{Map, Value};

use crate::clouds::Cloud;
use crate::http::{Ctx, Req};
use crate::state::Environment;

/// The Microsoft Graph application id, accepted as a Graph audience.
pub const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// Why a token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Missing,
    Invalid(&'static str),
    Expired,
    WrongAudience,
}

impl TokenProblem {
    pub fn message(&self) -> &'static str {
        match self {
            TokenProblem::Missing => "Bearer token is missing",
            TokenProblem::Invalid(m) => m,
            TokenProblem::Expired => "The access token is expired",
            TokenProblem::WrongAudience => "The access token has an invalid audience",
        }
    }
}

fn norm(aud: &str) -> String {
    aud.trim_end_matches('/').to_ascii_lowercase()
}

/// Audiences a Dataverse environment accepts, in either mode.
pub fn env_audiences(ctx: &Ctx, env: &Environment) -> Vec<String> {
    let mut v = vec![format!("https://{}", env.host)];
    for a in ctx.local_authorities() {
        v.push(format!(
            "https://{a}/org/{}",
            env.unique_name.to_ascii_lowercase()
        ));
    }
    v
}

/// The discovery service accepts tokens for itself in the cloud it was reached in.
pub fn disco_audiences(ctx: &Ctx) -> Vec<String> {
    let mut v = vec![format!("https://{}", ctx.cloud.discovery_host())];
    for a in ctx.local_authorities() {
        v.push(format!("https://{a}/disco"));
    }
    v
}

pub fn graph_audiences(ctx: &Ctx) -> Vec<String> {
    let mut v = vec![
        format!("https://{}", ctx.cloud.graph_host()),
        GRAPH_APP_ID.to_string(),
    ];
    for a in ctx.local_authorities() {
        v.push(format!("https://{a}/graph"));
    }
    v
}

/// Which resource application a resource URL belongs to. Every Dynamics
/// resource (discovery and all environments) is one app, as in Entra.
pub fn resource_app(ctx: &Ctx, resource: &str) -> String {
    let r = norm(resource);
    if graph_audiences(ctx).contains(&r) {
        return "graph".into();
    }
    if let Ok(u) = url::Url::parse(&r) {
        let host = u.host_str().unwrap_or_default();
        if Cloud::is_graph_host(host) && u.path().trim_matches('/').is_empty() {
            return "graph".into();
        }
        if Cloud::is_discovery_host(host) || Cloud::of_environment_host(host).is_some() {
            return "dynamics".into();
        }
        if (host == "127.0.0.1" || host == "localhost")
            && (u.path().starts_with("/org/")
                || u.path() == "/disco"
                || u.path().starts_with("/disco/"))
        {
            return "dynamics".into();
        }
    }
    r
}

/// Verifies the bearer token: signature, time, audience.
pub fn check(req: &Req, audiences: &[String]) -> Result<Map<String, Value>, TokenProblem> {
    let header = req.header("authorization").ok_or(TokenProblem::Missing)?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or(TokenProblem::Missing)?
        .trim();
    let signer = crate::jwt::signer().map_err(|_| TokenProblem::Invalid("no signing key"))?;
    let claims = signer.verify(token).map_err(TokenProblem::Invalid)?;
    let now = crate::jwt::now();
    let exp = claims
        .get("exp")
        .and_then(Value::as_i64)
        .ok_or(TokenProblem::Invalid("no exp claim"))?;
    if exp <= now {
        return Err(TokenProblem::Expired);
    }
    if let Some(nbf) = claims.get("nbf").and_then(Value::as_i64) {
        if nbf > now + 300 {
            return Err(TokenProblem::Invalid("token not yet valid"));
        }
    }
    let aud = claims
        .get("aud")
        .and_then(Value::as_str)
        .map(norm)
        .unwrap_or_default();
    if !audiences.iter().any(|a| norm(a) == aud) {
        return Err(TokenProblem::WrongAudience);
    }
    Ok(claims)
}

pub fn claim<'a>(claims: &'a Map<String, Value>, name: &str) -> &'a str {
    claims.get(name).and_then(Value::as_str).unwrap_or_default()
}
