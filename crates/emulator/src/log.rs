//! The request log: every request to a Microsoft endpoint, with its answer's status and the
//! fault it met (what `GET /_emulator/state` shows under `requests`).

use serde::Serialize;

use crate::http::Req;

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
    /// For a request that came as a part of a `$batch`: that `$batch`'s `seq` (it has its own
    /// entry; the part was not an exchange of its own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<u64>,
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

impl TokenGrant {
    /// What a token request (`svc_path` under the sign-in service) asks for.
    pub fn of(req: &Req, svc_path: &str) -> TokenGrant {
        let form = req.form();
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let mut params: Vec<String> = form.iter().map(|(k, _)| k.clone()).collect();
        params.sort();
        params.dedup();
        let given = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        TokenGrant {
            grant_type: field("grant_type"),
            scope: field("scope"),
            params,
            tenant: svc_path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default()
                .to_owned(),
            redirect_uri: given("redirect_uri"),
            client_info: given("client_info"),
            verifier_matched: None,
            nonce_altered: false,
        }
    }
}

/// What the token endpoint found about the request it just answered, for its log entry.
#[derive(Debug, Clone, Copy, Default)]
pub struct GrantOutcome {
    pub verifier_matched: Option<bool>,
    pub nonce_altered: bool,
}

/// How a request arrived.
#[derive(Debug, Clone, Copy)]
pub struct Arrival {
    /// When, Unix ms.
    pub received_ms: f64,
    /// Over which HTTP version.
    pub http: &'static str,
    /// Inside which `$batch` (its `seq`), if it was a part of one.
    pub batch: Option<u64>,
}

/// Every logged request, in order.
#[derive(Debug, Default, Serialize)]
#[serde(transparent)]
pub struct RequestLog(Vec<LogEntry>);

impl RequestLog {
    /// Logs a request not answered yet; returns its sequence number.
    pub fn open(
        &mut self,
        method: &str,
        host: &str,
        path: String,
        fault: Option<String>,
        grant: Option<TokenGrant>,
        arrival: Arrival,
    ) -> u64 {
        let seq = self.0.len() as u64 + 1;
        self.0.push(LogEntry {
            seq,
            method: method.to_owned(),
            host: host.to_owned(),
            path,
            status: None,
            fault,
            received_ms: arrival.received_ms,
            answered_ms: None,
            http: arrival.http,
            batch: arrival.batch,
            grant,
        });
        seq
    }

    /// The answer's status (`None`: the connection was dropped), noted now.
    pub fn answered(&mut self, seq: u64, status: Option<u16>) {
        if let Some(e) = self.entry(seq) {
            e.status = status;
            e.answered_ms = Some(unix_ms());
        }
    }

    /// What a token request showed about itself.
    pub fn granted(&mut self, seq: u64, outcome: GrantOutcome) {
        if let Some(grant) = self.entry(seq).and_then(|e| e.grant.as_mut()) {
            grant.verifier_matched = outcome.verifier_matched;
            grant.nonce_altered = outcome.nonce_altered;
        }
    }

    fn entry(&mut self, seq: u64) -> Option<&mut LogEntry> {
        // Entries are never removed (a reset replaces the whole log), so seq n sits at n - 1:
        // no scan per answer (3,400 requests at 200 environments).
        let i = usize::try_from(seq).ok()?.checked_sub(1)?;
        self.0.get_mut(i).filter(|e| e.seq == seq)
    }
}

/// Now, as Unix time in milliseconds with sub-millisecond precision.
pub fn unix_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}
