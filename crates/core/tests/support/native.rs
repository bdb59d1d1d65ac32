//! The procedure natively against a running tenant emulator: a reqwest client that signs
//! requests with tokens the emulator mints and resolves Microsoft hosts onto it, and the
//! unattended run over every discovered environment.
//!
//! Shared by `tests/emulator.rs` and `benches/round_trips.rs` (each includes this file with
//! `#[path]`), so it depends on nothing but the core, the emulator, reqwest and tokio.
#![allow(dead_code)]

use serde_json::Value;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use w365_core::batch::run_batch;
use w365_core::cloud::Cloud;
use w365_core::discovery::{list_instances, Instance, Listed};
use w365_core::driver::{Prompter, Sleeper};
use w365_core::http::{HttpClient, HttpRequest, HttpResponse, Method, TransportError};
use w365_core::preset::{Preset, WORK365_US_APP_ID};
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Mode, Options, Outcome, Procedure, Target};
use w365_core::record::{EnvironmentRef, EnvironmentRun};
use w365_emulator::RunningEmulator;

/// The signed-in admin every scenario knows.
pub const ADMIN: &str = "admin@contoso.onmicrosoft.com";

/// reqwest (rustls + ring) with the emulator's self-signed certificate accepted, Microsoft
/// hosts resolved onto the emulator, and a token minted for each request's audience.
pub struct NativeClient<'a> {
    http: reqwest::Client,
    emulator: &'a RunningEmulator,
}

impl<'a> NativeClient<'a> {
    /// A client for every host the emulator's current state serves.
    pub fn new(emulator: &'a RunningEmulator) -> Self {
        let addr = SocketAddr::from(([127, 0, 0, 1], emulator.port()));
        let mut b = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .timeout(Duration::from_secs(30));
        for h in hosts(&emulator.state_json()) {
            b = b.resolve(&h, addr);
        }
        NativeClient {
            http: b.build().expect("client"),
            emulator,
        }
    }
}

impl HttpClient for NativeClient<'_> {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut rb = self.http.request(method, &req.url);
        for (k, v) in &req.headers {
            rb = rb.header(k, v);
        }
        if let Some(aud) = &req.audience {
            let scope = if aud.contains("graph") {
                "Application.Read.All"
            } else {
                "user_impersonation"
            };
            let token = self.emulator.mint_token(ADMIN, aud, &[scope]);
            rb = rb.bearer_auth(token);
        }
        if let Some(b) = req.body {
            rb = rb.body(b);
        }
        let resp = rb.send().await.map_err(|e| TransportError::Network {
            message: e.to_string(),
        })?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned()))
            .collect();
        let body = resp
            .bytes()
            .await
            .map_err(|e| TransportError::Network {
                message: e.to_string(),
            })?
            .to_vec();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// Discovery, Graph and every environment host of the emulator's state.
fn hosts(state: &Value) -> Vec<String> {
    let public = Cloud::Public.endpoints();
    let host = |url: &str| url.trim_start_matches("https://").to_owned();
    let mut h = vec![host(&public.discovery), host(&public.graph)];
    for e in state["tenant"]["environments"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if let Some(host) = e["host"].as_str() {
            h.push(host.to_owned());
        }
    }
    h
}

struct RealClock(Instant);

impl Sleeper for RealClock {
    fn now_ms(&self) -> u64 {
        self.0.elapsed().as_millis() as u64
    }
    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

/// Unattended runs still ask for the data center when both are consented; the answer is US.
struct ChooseUs;

impl Prompter for ChooseUs {
    async fn ask(&self, _: &EnvironmentRef, prompt: &Prompt) -> PromptAnswer {
        match prompt {
            Prompt::ChooseDataCenter { options } => PromptAnswer::DataCenter {
                app_id: options
                    .iter()
                    .find(|o| o.app_id.as_str() == WORK365_US_APP_ID)
                    .expect("the US data center is offered")
                    .app_id
                    .clone(),
            },
            Prompt::ConfirmPlan { .. } | Prompt::ConfirmUndo { .. } => PromptAnswer::Proceed,
            Prompt::GuideStep { .. } => PromptAnswer::Confirmed,
        }
    }
    async fn renew_sign_in(&self, _: &str) -> Result<(), String> {
        Ok(())
    }
}

/// Every row discovery lists, usable or not.
pub async fn discover(client: &NativeClient<'_>) -> Vec<Listed> {
    list_instances(client, &Cloud::Public)
        .await
        .expect("discovery")
}

/// Discovers the environments through GDS and sets each usable one up with the Work 365
/// preset, unattended, at most `concurrency` at once.
pub async fn run_all(client: &NativeClient<'_>, concurrency: usize) -> Vec<EnvironmentRun> {
    let instances: Vec<Instance> = discover(client)
        .await
        .into_iter()
        .filter_map(|l| match l {
            Listed::Usable(i) => Some(i),
            Listed::Unusable(_) => None,
        })
        .collect();
    run_instances(client, &instances, concurrency, Mode::Setup).await
}

/// Runs the Work 365 preset unattended on these environments, at most `concurrency` at once.
pub async fn run_instances(
    client: &NativeClient<'_>,
    instances: &[Instance],
    concurrency: usize,
    mode: Mode,
) -> Vec<EnvironmentRun> {
    run_instances_with(client, instances, concurrency, Options::unattended(mode)).await
}

/// Runs the Work 365 preset on these environments with `options`, at most `concurrency` at once.
pub async fn run_instances_with(
    client: &NativeClient<'_>,
    instances: &[Instance],
    concurrency: usize,
    options: Options,
) -> Vec<EnvironmentRun> {
    let endpoints = Cloud::Public.endpoints();
    let procs: Vec<Procedure> = instances
        .iter()
        .map(|i| {
            Procedure::new(
                Target::from_instance(i, Preset::work365(), endpoints.clone()),
                options.clone(),
            )
        })
        .collect();
    run_batch(
        procs,
        client,
        &RealClock(Instant::now()),
        &ChooseUs,
        &(),
        concurrency,
    )
    .await
}

/// How many environments ended with each outcome.
pub fn outcomes(runs: &[EnvironmentRun]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for r in runs {
        *m.entry(r.outcome.as_ref().map_or("none".into(), Outcome::summary))
            .or_default() += 1;
    }
    m
}

/// The counts the round-trip table reports for one run of a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCounts {
    /// Environments discovered.
    pub envs: usize,
    /// Requests over all environments (the procedure's: a `$batch`'s parts each count).
    pub requests: u32,
    /// HTTP exchanges over all environments (a `$batch` counts one; no preflight or token).
    pub exchanges: u32,
    /// Writes over all environments.
    pub writes: usize,
    /// Stages of the longest environment.
    pub max_stages: usize,
    /// Round trips of the longest environment.
    pub max_round_trips: u32,
}

impl RunCounts {
    /// Totals and maxima over the environments of one run.
    pub fn of(runs: &[EnvironmentRun]) -> Self {
        RunCounts {
            envs: runs.len(),
            requests: runs.iter().map(|r| r.requests).sum(),
            exchanges: runs.iter().map(|r| r.wire.exchanges).sum(),
            writes: runs.iter().map(|r| r.writes.len()).sum(),
            max_stages: runs.iter().map(|r| r.stages.len()).max().unwrap_or(0),
            max_round_trips: runs.iter().map(|r| r.round_trips).max().unwrap_or(0),
        }
    }
}
