//! One round of the procedure's requests, with the Dataverse ones to an environment sent as
//! one `$batch` ([`crate::odata_batch`]) and every request still answered on its own.
//!
//! Why: at 200 environments the time goes in the browser's work per exchange (each fetch, its
//! CORS preflight and its token lookup), not in the network (BENCHMARKS.md). A round's requests
//! to one environment as one `POST …/$batch` make one exchange instead of N, and one URL per
//! environment whose preflight the browser then keeps for the whole run.
//!
//! Why in the driver's round, not in a client wrapper that coalesces whatever is sent at once:
//! the procedure already says what goes out together (`Command::Send` is a round, answered as
//! a whole), so nothing has to guess; and a run is one environment, so what its `$batch` taught
//! ([`Batching`]) is kept for that run and no longer.
//!
//! Each request keeps the meaning it has when sent alone:
//! - a part's answer is that request's answer (status, headers, body);
//! - a `$batch` the service refuses as a whole *before* carrying anything out (a `4xx` other
//!   than `401` and `429`, or `501 Not Implemented`, without parts) has every request sent
//!   again on its own, at once;
//! - `401` and `429` for the whole `$batch` are every request's answer (renew the sign-in, wait
//!   out `Retry-After`, then send again, as for a single request);
//! - a `$batch` without a usable answer (no answer in time, a dropped connection, a `5xx`, an
//!   answer that cannot be read or does not hold one part per request) leaves what it carried
//!   in doubt: a read is sent again on its own at once (reads change nothing); a write gets
//!   that error, so the procedure re-reads before it acts again, as after any doubtful write.
//!   That includes an answer that stopped at its first error, as Dataverse answers a `$batch`
//!   without `odata.continue-on-error`: which parts it carried out is not certain from it.
//!
//! `$batch` from a browser is a guess the product relies on (Dataverse's CORS for `$batch`, and
//! it accepting these parts in one batch): any of the failures above, except `401`, `429`, a
//! missing sign-in and a cancel, turns batching off for the rest of the run
//! ([`Batching::refused`]), so the environment is served by single requests, as before.

use crate::clock::{send_within, Sleeper};
use crate::http::{origin_of, HttpClient, HttpRequest, HttpResponse, Method, TransportError};
use crate::odata_batch::{self, service_root_of, BatchError};
use futures_util::{future, stream, StreamExt};

/// At most this many of a run's exchanges are in flight to one server at once. Dataverse's
/// service protection limits count concurrent requests per user per server (52, shared by
/// every tab and tool the admin has open: `pa: developer/data-platform/api-limits.md`), so one
/// run keeps to a small, fixed share; six is also what a browser opens per HTTP/1.1 host.
/// With `$batch` a round is one or two exchanges per server; this bound matters when an
/// environment refused `$batch` and its first inspection round goes as seven single reads.
pub const MAX_AT_ONCE_PER_SERVER: usize = 6;

/// What batching has learned in one run (one environment).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batching {
    refused: Option<String>,
    sent: u32,
    exchanges: u32,
}

impl Batching {
    /// Batching on: rounds of two or more Dataverse requests go as one `$batch`.
    pub fn new() -> Self {
        Batching::default()
    }

    /// Batching off from the start, for `reason` (every request goes on its own).
    pub fn off(reason: &str) -> Self {
        Batching {
            refused: Some(reason.to_owned()),
            sent: 0,
            exchanges: 0,
        }
    }

    /// Why this run stopped batching, if it did (for the run's record).
    pub fn refused(&self) -> Option<&str> {
        self.refused.as_deref()
    }

    /// How many `$batch` requests this run sent.
    pub fn sent(&self) -> u32 {
        self.sent
    }

    /// How many HTTP exchanges this run made through [`send_round`] (a `$batch` is one;
    /// a request sent again alone after it is one more).
    pub fn exchanges(&self) -> u32 {
        self.exchanges
    }

    fn turn_off(&mut self, reason: String) {
        if self.refused.is_none() {
            self.refused = Some(reason);
        }
    }
}

/// One request of a round and how long it may take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundRequest {
    /// The request.
    pub request: HttpRequest,
    /// Its timeout (a `$batch` waits as long as its longest part may).
    pub timeout_ms: u64,
}

type Answered = Result<HttpResponse, TransportError>;

/// What becomes of one part after its `$batch` was answered.
enum Fate {
    Answered(Answered),
    /// Sent again on its own, in this round.
    SendAlone,
}

/// Sends a round and answers each request, in the round's order.
pub async fn send_round<C: HttpClient, S: Sleeper>(
    client: &C,
    sleeper: &S,
    batching: &mut Batching,
    round: Vec<RoundRequest>,
) -> Vec<Answered> {
    // What goes out, in the round's order (a `$batch` where its first request stands).
    enum Exchange {
        Alone(usize),
        Batch(Vec<usize>, HttpRequest, u64),
    }
    let mut exchanges: Vec<Exchange> = Vec::new();
    for group in groups(&round, batching.refused.is_none()) {
        if group.len() < 2 {
            exchanges.extend(group.into_iter().map(Exchange::Alone));
            continue;
        }
        let parts: Vec<HttpRequest> = group.iter().map(|&i| round[i].request.clone()).collect();
        let boundary = format!("batch_w365_{}", batching.sent + 1);
        match odata_batch::encode(&parts, &boundary) {
            Ok(batch) => {
                batching.sent += 1;
                let timeout = group.iter().map(|&i| round[i].timeout_ms).max();
                exchanges.push(Exchange::Batch(group, batch, timeout.unwrap_or_default()));
            }
            // Cannot be written as one (it never happens with the procedure's requests): alone.
            Err(_) => exchanges.extend(group.into_iter().map(Exchange::Alone)),
        }
    }

    let mut answers: Vec<Option<Answered>> = vec![None; round.len()];
    batching.exchanges += exchanges.len() as u32;
    let sends: Vec<(&HttpRequest, u64)> = exchanges
        .iter()
        .map(|x| match x {
            Exchange::Alone(i) => (&round[*i].request, round[*i].timeout_ms),
            Exchange::Batch(_, batch, timeout) => (batch, *timeout),
        })
        .collect();
    let outcomes = exchange_all(client, sleeper, &sends).await;

    let mut again = Vec::new();
    for (exchange, outcome) in exchanges.iter().zip(outcomes) {
        let group = match exchange {
            Exchange::Alone(i) => {
                answers[*i] = Some(outcome);
                continue;
            }
            Exchange::Batch(group, _, _) => group,
        };
        let methods: Vec<Method> = group.iter().map(|&i| round[i].request.method).collect();
        let (fates, refused) = read_outcome(outcome, &methods);
        if let Some(reason) = refused {
            batching.turn_off(reason);
        }
        for (&i, fate) in group.iter().zip(fates) {
            match fate {
                Fate::Answered(answer) => answers[i] = Some(answer),
                Fate::SendAlone => again.push(i),
            }
        }
    }
    batching.exchanges += again.len() as u32;
    let resends: Vec<(&HttpRequest, u64)> = again
        .iter()
        .map(|&i| (&round[i].request, round[i].timeout_ms))
        .collect();
    let resent = exchange_all(client, sleeper, &resends).await;
    for (&i, answer) in again.iter().zip(resent) {
        answers[i] = Some(answer);
    }
    kept(answers)
}

/// Sends every exchange, at most [`MAX_AT_ONCE_PER_SERVER`] to one server at once (in order,
/// per server: a request waiting for its turn has not started its timeout), and answers them
/// in `sends`' order.
async fn exchange_all<C: HttpClient, S: Sleeper>(
    client: &C,
    sleeper: &S,
    sends: &[(&HttpRequest, u64)],
) -> Vec<Answered> {
    let mut servers: Vec<(Option<String>, Vec<usize>)> = Vec::new();
    for (i, (request, _)) in sends.iter().enumerate() {
        let server = origin_of(&request.url);
        match servers.iter_mut().find(|(s, _)| *s == server) {
            Some((_, members)) => members.push(i),
            None => servers.push((server, vec![i])),
        }
    }
    let per_server = servers.iter().map(|(_, members)| {
        stream::iter(members.iter().map(|&i| {
            let (request, timeout_ms) = sends[i];
            async move {
                (
                    i,
                    send_within(client, sleeper, request.clone(), timeout_ms).await,
                )
            }
        }))
        .buffer_unordered(MAX_AT_ONCE_PER_SERVER)
        .collect::<Vec<_>>()
    });
    let mut answers: Vec<Option<Answered>> = vec![None; sends.len()];
    for (i, answer) in future::join_all(per_server).await.into_iter().flatten() {
        answers[i] = Some(answer);
    }
    kept(answers)
}

/// Every slot's answer; a slot left empty (which the code above never leaves) is an error
/// rather than a panic.
fn kept(answers: Vec<Option<Answered>>) -> Vec<Answered> {
    answers
        .into_iter()
        .map(|a| {
            a.unwrap_or_else(|| {
                Err(TransportError::Network {
                    message: "no answer was kept for this request".into(),
                })
            })
        })
        .collect()
}

/// The round's requests by `$batch` they may share (service root and token), in order; requests
/// that cannot be batched (or with batching off) are groups of one.
fn groups(round: &[RoundRequest], batching: bool) -> Vec<Vec<usize>> {
    // What a `$batch` is shared by: the service root and the token's resource.
    type Key<'a> = Option<(&'a str, Option<&'a str>)>;
    let mut groups: Vec<(Key, Vec<usize>)> = Vec::new();
    for (i, r) in round.iter().enumerate() {
        let key = service_root_of(&r.request.url)
            .filter(|_| batching)
            .map(|root| (root, r.request.audience.as_deref()));
        match groups.iter_mut().find(|(k, _)| key.is_some() && *k == key) {
            Some((_, members)) => members.push(i),
            None => groups.push((key, vec![i])),
        }
    }
    groups.into_iter().map(|(_, members)| members).collect()
}

/// Each part's fate after its `$batch` got `outcome`, and why batching should stop, if it should.
fn read_outcome(outcome: Answered, methods: &[Method]) -> (Vec<Fate>, Option<String>) {
    let n = methods.len();
    let every = |a: &Answered| methods.iter().map(|_| Fate::Answered(a.clone())).collect();
    // In doubt: reads are asked again at once, writes get the error (the procedure re-reads).
    let in_doubt = |error: TransportError| -> Vec<Fate> {
        methods
            .iter()
            .map(|m| {
                if m.is_idempotent_read() {
                    Fate::SendAlone
                } else {
                    Fate::Answered(Err(error.clone()))
                }
            })
            .collect()
    };
    let response = match outcome {
        Err(e @ (TransportError::SignInNeeded { .. } | TransportError::Aborted)) => {
            return (every(&Err(e)), None)
        }
        Err(e) => {
            let reason = format!("the $batch got no answer ({e})");
            return (in_doubt(e), Some(reason));
        }
        Ok(response) => response,
    };
    let status = response.status;
    match odata_batch::decode_parts(&response) {
        Ok(parts) if status == 200 && parts.len() == n => (
            parts.into_iter().map(|p| Fate::Answered(Ok(p))).collect(),
            None,
        ),
        _ if status == 401 || status == 429 => (every(&Ok(response)), None),
        // Refused before anything was carried out: a client error, or `$batch` not implemented.
        Err(BatchError::NotMultipart { .. }) if (400..500).contains(&status) || status == 501 => (
            methods.iter().map(|_| Fate::SendAlone).collect(),
            Some(format!("the $batch was refused (HTTP {status})")),
        ),
        _ => (
            in_doubt(TransportError::Network {
                message: format!(
                    "the $batch carrying it was answered HTTP {status} without a usable answer \
                     for it; whether it was carried out is unknown"
                ),
            }),
            Some(format!(
                "the $batch was answered HTTP {status} without a usable answer"
            )),
        ),
    }
}
