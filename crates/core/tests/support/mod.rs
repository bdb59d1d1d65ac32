//! Test support: the in-memory model, a sans-IO runner with fault injection, a scripted client.
#![allow(dead_code)]

pub mod fake_time;
pub mod model;

use model::{Model, CALLER, ORIGIN};
use std::cell::RefCell;
use std::collections::VecDeque;
use w365_core::cloud::{Cloud, CloudEndpoints};
use w365_core::http::{HttpClient, HttpRequest, HttpResponse, Method, TransportError};
use w365_core::ids::TenantId;
use w365_core::preset::Preset;
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Answer, Command, Input, Options, Outcome, Procedure, Target};
use w365_core::record::EnvironmentRef;

pub const TENANT: &str = "11111111-2222-3333-4444-555555555555";

pub fn endpoints() -> CloudEndpoints {
    Cloud::Public.endpoints()
}

pub fn target() -> Target {
    Target {
        environment: EnvironmentRef {
            id: None,
            name: "Contoso".into(),
            url: ORIGIN.into(),
        },
        preset: Preset::work365(),
        endpoints: endpoints(),
        tenant_id: TenantId::parse(TENANT).ok(),
        data_center: None,
        disabled: false,
    }
}

/// One injected fault, applied to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// 429 with this Retry-After (seconds); not processed.
    Throttle(u64),
    /// 503; not processed.
    ServerError,
    /// Connection dropped before the server saw it.
    DropBefore,
    /// The server processed it, then the connection dropped.
    DropAfter,
    /// 401: the token expired.
    Unauthorized,
    /// Someone else created the app user just before our create (a 412 race).
    Race412,
    /// 200 with an HTML page (a proxy's sign-in page).
    Html,
    /// 403 from a service that will not tell (e.g. Graph without Application.Read.All).
    Forbidden,
    /// No answer in time; the server never saw it.
    TimeoutBefore,
    /// No answer in time, but the server processed it.
    TimeoutAfter,
    /// As `Race412`, but the duplicate is told as Microsoft's provider's mocks tell it: `400`
    /// "A record with matching applicationid already exists." without a code.
    Race400,
    /// The server processed it, then answered `500` anyway.
    ServerErrorAfter,
}

/// What a sans-IO run looked like.
#[derive(Debug, Default)]
pub struct Trace {
    pub commands: Vec<Command>,
    pub sends: Vec<Vec<HttpRequest>>,
    pub waits_ms: u64,
}

impl Trace {
    pub fn writes(&self) -> usize {
        self.sends
            .iter()
            .flatten()
            .filter(|r| r.method != Method::Get)
            .count()
    }
}

/// Drives a procedure against the model without any async: the str0m way.
pub fn run(
    p: &mut Procedure,
    model: &mut Model,
    mut fault: impl FnMut(&HttpRequest) -> Fault,
    prompt: impl FnMut(&Prompt) -> PromptAnswer,
    renew_ok: bool,
) -> (Outcome, Trace) {
    run_with(
        p,
        model,
        |m, r| answer_with_fault(m, r, fault(r)),
        prompt,
        renew_ok,
    )
}

/// [`run`] with every answer made by `answer` (the model, or anything standing in for it).
pub fn run_with(
    p: &mut Procedure,
    model: &mut Model,
    mut answer: impl FnMut(&mut Model, &HttpRequest) -> Result<HttpResponse, TransportError>,
    mut prompt: impl FnMut(&Prompt) -> PromptAnswer,
    renew_ok: bool,
) -> (Outcome, Trace) {
    let mut clock = START_MS;
    let mut trace = Trace::default();
    let mut cmd = p.start(clock);
    for _ in 0..500 {
        trace.commands.push(cmd.clone());
        if let Command::Done { outcome } = &cmd {
            return (outcome.clone(), trace);
        }
        let input = input_for(
            &cmd,
            model,
            &mut clock,
            &mut answer,
            &mut prompt,
            renew_ok,
            &mut trace,
        );
        cmd = p.handle(input, clock);
    }
    panic!("procedure did not finish in 500 steps: last {cmd:?}");
}

/// Where the runners' clock starts.
pub const START_MS: u64 = 1_000_000;

/// Feeds a started procedure until `stop` says so (given the command just yielded and the
/// procedure), answering like [`run_answering`]; returns that command. Panics if the run ends
/// first.
pub fn run_until(
    p: &mut Procedure,
    model: &mut Model,
    first: Command,
    answer: impl FnMut(&mut Model, &HttpRequest) -> Result<HttpResponse, TransportError>,
    stop: impl FnMut(&Command, &Procedure) -> bool,
) -> Command {
    let mut clock = START_MS;
    run_until_at(p, model, first, &mut clock, answer, stop)
}

/// [`run_until`] on the caller's clock (each round of answers moves it on).
pub fn run_until_at(
    p: &mut Procedure,
    model: &mut Model,
    first: Command,
    clock: &mut u64,
    mut answer: impl FnMut(&mut Model, &HttpRequest) -> Result<HttpResponse, TransportError>,
    mut stop: impl FnMut(&Command, &Procedure) -> bool,
) -> Command {
    let mut trace = Trace::default();
    let mut cmd = first;
    for _ in 0..500 {
        if stop(&cmd, p) {
            return cmd;
        }
        if let Command::Done { .. } = &cmd {
            panic!("the run ended before the stop: {cmd:?}");
        }
        let input = input_for(
            &cmd,
            model,
            clock,
            &mut answer,
            &mut agree,
            true,
            &mut trace,
        );
        cmd = p.handle(input, *clock);
    }
    panic!("no stop in 500 steps: last {cmd:?}");
}

/// What a caller feeds back for `cmd`: the answers `answer` makes (40 ms later), the admin's
/// choice, a wake-up at the time asked, the lock (free: one procedure alone), a renewal.
fn input_for(
    cmd: &Command,
    model: &mut Model,
    clock: &mut u64,
    answer: &mut impl FnMut(&mut Model, &HttpRequest) -> Result<HttpResponse, TransportError>,
    prompt: &mut impl FnMut(&Prompt) -> PromptAnswer,
    renew_ok: bool,
    trace: &mut Trace,
) -> Input {
    match cmd {
        Command::Done { .. } => Input::Woke,
        Command::Send { requests } => {
            trace
                .sends
                .push(requests.iter().map(|o| o.request.clone()).collect());
            *clock += 40;
            let answers = requests
                .iter()
                .map(|o| Answer {
                    id: o.id,
                    result: answer(model, &o.request),
                })
                .collect();
            Input::Answers { answers }
        }
        Command::Prompt { prompt: pr } => Input::Choice { answer: prompt(pr) },
        Command::WaitUntil { at_ms, .. } => {
            trace.waits_ms += at_ms - *clock;
            *clock = *at_ms;
            Input::Woke
        }
        // One procedure alone: the lock is free (tests/write_lock.rs plays two).
        Command::Lock { .. } => Input::Lock {
            grant: w365_core::procedure::LockGrant::Acquired,
        },
        Command::RenewSignIn { .. } => {
            if renew_ok {
                Input::SignInRenewed
            } else {
                Input::SignInFailed {
                    message: "interaction_required".into(),
                }
            }
        }
    }
}

pub fn answer_with_fault(
    model: &mut Model,
    req: &HttpRequest,
    fault: Fault,
) -> Result<HttpResponse, TransportError> {
    let net = || TransportError::Network {
        message: "connection reset".into(),
    };
    let late = || TransportError::Timeout { after_ms: 30_000 };
    match fault {
        Fault::None => Ok(model.handle(req)),
        Fault::Throttle(s) => Ok(HttpResponse::json(429, &serde_json::json!({"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds."}})).with_header("Retry-After", &s.to_string())),
        Fault::ServerError => Ok(HttpResponse::json(503, &serde_json::json!({"error":{"code":"0x80040216","message":"Service unavailable"}}))),
        Fault::DropBefore => Err(net()),
        Fault::DropAfter => {
            model.handle(req);
            Err(net())
        }
        Fault::TimeoutBefore => Err(late()),
        Fault::TimeoutAfter => {
            model.handle(req);
            Err(late())
        }
        Fault::Unauthorized => Ok(HttpResponse::json(401, &serde_json::json!({"error":{"code":"","message":"token expired"}}))),
        Fault::Race412 | Fault::Race400 => {
            if req.method == Method::Post && req.url.ends_with("/systemusers") {
                let body: serde_json::Value = serde_json::from_slice(req.body.as_deref().unwrap_or_default()).unwrap_or_default();
                if let Some(app) = body["applicationid"].as_str() {
                    if model.app_users(app).is_empty() {
                        model.add_app_user(app, false, &[]);
                    }
                }
            }
            let resp = model.handle(req);
            if fault == Fault::Race400 && resp.status == 412 {
                return Ok(HttpResponse::json(400, &serde_json::json!({"error":{"message":"A record with matching applicationid already exists."}})));
            }
            Ok(resp)
        }
        Fault::ServerErrorAfter => {
            model.handle(req);
            Ok(HttpResponse::json(500, &serde_json::json!({"error":{"code":"0x80040216","message":"An unexpected error occurred."}})))
        }
        Fault::Forbidden => Ok(HttpResponse::json(403, &serde_json::json!({"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}))),
        Fault::Html => Ok(HttpResponse { status: 200, headers: vec![("Content-Type".into(), "text/html".into())], body: b"<!DOCTYPE html><html><body>Sign in to continue</body></html>".to_vec() }),
    }
}

/// Answers every prompt the way an admin in a hurry would.
pub fn agree(p: &Prompt) -> PromptAnswer {
    match p {
        Prompt::ChooseDataCenter { options } => PromptAnswer::DataCenter {
            app_id: options[0].app_id.clone(),
        },
        Prompt::ConfirmPlan { .. } | Prompt::ConfirmUndo { .. } => PromptAnswer::Proceed,
        Prompt::GuideStep { .. } => PromptAnswer::Confirmed,
    }
}

pub fn no_faults(_: &HttpRequest) -> Fault {
    Fault::None
}

pub fn unattended() -> Options {
    Options::unattended(w365_core::procedure::Mode::Setup)
}

/// A client that answers from a script and asserts each request, in order.
pub struct ScriptedClient {
    pub script: RefCell<VecDeque<(Method, String, HttpResponse)>>,
    pub seen: RefCell<Vec<HttpRequest>>,
}

impl ScriptedClient {
    pub fn new(script: Vec<(Method, &str, HttpResponse)>) -> Self {
        ScriptedClient {
            script: RefCell::new(
                script
                    .into_iter()
                    .map(|(m, u, r)| (m, u.to_owned(), r))
                    .collect(),
            ),
            seen: RefCell::new(Vec::new()),
        }
    }
}

impl HttpClient for ScriptedClient {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let (method, url, resp) = self
            .script
            .borrow_mut()
            .pop_front()
            .unwrap_or_else(|| panic!("unexpected request {} {}", req.method, req.url));
        assert_eq!(
            (req.method, req.url.as_str()),
            (method, url.as_str()),
            "request out of script"
        );
        assert_eq!(req.header("accept"), Some("application/json"));
        assert_eq!(req.header("OData-Version"), Some("4.0"));
        assert_eq!(req.header("OData-MaxVersion"), Some("4.0"));
        self.seen.borrow_mut().push(req);
        Ok(resp)
    }
}

/// Loads a JSON fixture from tests/resources.
pub fn fixture(name: &str) -> serde_json::Value {
    let path = format!("{}/tests/resources/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

pub const _USED: &str = CALLER;

/// Drives a procedure sans-IO like [`run`], with every answer decided by `answer` (which may
/// use the model, change it, or answer anything at all); prompts are agreed to, renewals succeed.
pub fn run_answering(
    p: &mut Procedure,
    model: &mut Model,
    answer: impl FnMut(&mut Model, &HttpRequest) -> Result<HttpResponse, TransportError>,
) -> (Outcome, Trace) {
    run_with(p, model, answer, agree, true)
}

/// Whether a request is the create of an application user.
pub fn is_create(req: &HttpRequest) -> bool {
    req.method == Method::Post && req.url.ends_with("/systemusers")
}
