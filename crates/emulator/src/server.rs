//! The HTTPS server: accepts TLS connections and serves them with hyper.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use serde::Serialize;
use tokio::sync::oneshot;

use crate::faults::Fault;
use crate::identity::{AuthCode, RefreshGrant};
use crate::scenario::ScenarioSource;
use crate::state::Tenant;

/// One logged request to a Microsoft endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct LogEntry {
    pub seq: u64,
    pub method: String,
    pub host: String,
    pub path: String,
    pub status: Option<u16>,
    pub fault: Option<String>,
    /// When the request reached the emulator, Unix time in ms (sub-ms precision), before
    /// any added latency: benches line it up with the browser's clock
    /// (`performance.timeOrigin + performance.now()`) to see where a request waited.
    pub received_ms: f64,
    /// When its answer was ready to go out (after latency and processing), Unix ms; `None`
    /// while in progress or when the connection was dropped.
    pub answered_ms: Option<f64>,
    /// The HTTP version it came over (`"1.1"` or `"2"`).
    pub http: &'static str,
    /// For a token request: what was asked for (never the code, verifier or token).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant: Option<TokenGrant>,
}

/// What one token request asked for, for tests that count silent renewals and pin the body
/// MSAL.js sends: the parameter names, and the values that are no secret. Never the code, the
/// PKCE verifier, a refresh token or an assertion.
#[derive(Debug, Clone, Serialize)]
pub struct TokenGrant {
    pub grant_type: String,
    pub scope: String,
    /// Every body parameter's name, sorted.
    pub params: Vec<String>,
    /// The directory segment of the token endpoint's path (`organizations`, an id, a domain).
    pub tenant: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_info: Option<String>,
    /// A code redemption: whether its verifier matched the authorization request's challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verifier_matched: Option<bool>,
    /// Whether the answer's id token carried another nonce (`POST /_emulator/wrong-nonce`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub nonce_altered: bool,
}

/// What the token endpoint found about the request it just answered, for its log entry.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrantOutcome {
    pub verifier_matched: Option<bool>,
    pub nonce_altered: bool,
}

/// Everything that changes while the emulator runs.
pub struct Shared {
    pub tenant: Tenant,
    pub source: ScenarioSource,
    pub sessions: HashMap<String, String>,
    pub codes: HashMap<String, AuthCode>,
    pub redeemed: HashSet<String>,
    pub refresh: HashMap<String, RefreshGrant>,
    /// (user oid, client id) → permissions the user granted for themselves, as
    /// `{resource app}/{permission}` (an administrator's are the app's `admin_consent`).
    pub consents: HashMap<(String, String), BTreeSet<String>>,
    /// How many more code redemptions get an id token with another nonce.
    pub wrong_nonce: u32,
    /// Set by the token endpoint for the request being answered; moved into its log entry.
    pub last_grant: Option<GrantOutcome>,
    pub faults: Vec<Fault>,
    pub log: Vec<LogEntry>,
}

impl Shared {
    pub fn new(tenant: Tenant, source: ScenarioSource) -> Self {
        Shared {
            tenant,
            source,
            sessions: HashMap::new(),
            codes: HashMap::new(),
            redeemed: HashSet::new(),
            refresh: HashMap::new(),
            consents: HashMap::new(),
            wrong_nonce: 0,
            last_grant: None,
            faults: Vec::new(),
            log: Vec::new(),
        }
    }

    /// Restores a freshly loaded scenario and forgets sessions, faults and the log.
    pub fn reset(&mut self, tenant: Tenant, source: ScenarioSource) {
        *self = Shared::new(tenant, source);
    }
}

/// The server's shared, immutable settings plus the mutable state.
pub struct Inner {
    pub shared: Mutex<Shared>,
    pub port: u16,
    pub latency_ms: u64,
    pub static_dir: Option<PathBuf>,
    pub app_config: Option<PathBuf>,
    pub token_lifetime_secs: i64,
}

/// Concurrent HTTP/2 streams per connection (hyper's default is 200).
const MAX_STREAMS: u32 = 2000;

/// Accepts connections until `shutdown` fires.
pub async fn serve(
    listener: tokio::net::TcpListener,
    inner: Arc<Inner>,
    tls: Arc<rustls::ServerConfig>,
    mut shutdown: oneshot::Receiver<()>,
) {
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let acceptor = acceptor.clone();
                let inner = inner.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else { return };
                    let svc = service_fn(move |req| crate::routing::route(inner.clone(), req));
                    // HTTP/2 where the client offers it (ALPN), as Microsoft's endpoints
                    // do: a browser then multiplexes instead of queueing behind its six
                    // HTTP/1.1 connections per host. One certificate covers every
                    // emulated host on one address, so Chromium coalesces them all onto
                    // one connection; its stream limit is raised so that this one
                    // connection does not cap a tenant's worth of separate servers.
                    let mut builder = auto::Builder::new(TokioExecutor::new());
                    builder.http2().max_concurrent_streams(MAX_STREAMS);
                    let _ = builder.serve_connection(TokioIo::new(tls), svc).await;
                });
            }
        }
    }
}
