//! Integration: the procedure natively against the tenant emulator, every shipped scenario,
//! twice (the second run must write nothing). Prints a Markdown row per scenario for BENCHMARKS.md.
//!
//! Run: `cargo test -p w365-core --test emulator -- --nocapture --test-threads=1`

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use w365_core::batch::run_batch;
use w365_core::cloud::Cloud;
use w365_core::discovery::list_instances;
use w365_core::driver::{Prompter, Sleeper};
use w365_core::http::{HttpClient, HttpRequest, HttpResponse, Method, TransportError};
use w365_core::preset::Preset;
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Mode, Options, Outcome, Procedure, Target};
use w365_core::record::{EnvironmentRef, EnvironmentRun};
use w365_emulator::{Emulator, Options as EmuOptions, RunningEmulator};

const ADMIN: &str = "admin@contoso.onmicrosoft.com";

/// A native client for tests: reqwest (rustls + ring), the emulator's self-signed certificate
/// accepted, Microsoft hosts resolved onto the emulator, tokens minted for each audience.
struct NativeClient<'a> {
    http: reqwest::Client,
    emulator: &'a RunningEmulator,
}

impl<'a> NativeClient<'a> {
    fn new(emulator: &'a RunningEmulator, hosts: &[String]) -> Self {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], emulator.port()));
        let mut b = reqwest::Client::builder()
            .danger_accept_invalid_certs(true)
            .timeout(Duration::from_secs(30));
        for h in hosts {
            b = b.resolve(h, addr);
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

struct RealClock(Instant);

impl Sleeper for RealClock {
    fn now_ms(&self) -> u64 {
        self.0.elapsed().as_millis() as u64
    }
    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await;
    }
}

struct Agree;

impl Prompter for Agree {
    async fn ask(&self, _: &EnvironmentRef, prompt: &Prompt) -> PromptAnswer {
        support::agree(prompt)
    }
    async fn renew_sign_in(&self, _: &str) -> Result<(), String> {
        Ok(())
    }
}

fn hosts(state: &Value) -> Vec<String> {
    let mut h = vec![
        "globaldisco.crm.dynamics.com".to_owned(),
        "graph.microsoft.com".to_owned(),
    ];
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

async fn run_all(emu: &RunningEmulator, client: &NativeClient<'_>) -> Vec<EnvironmentRun> {
    let endpoints = Cloud::Public.endpoints();
    let instances = list_instances(client, &endpoints).await.expect("discovery");
    let procs: Vec<Procedure> = instances
        .iter()
        .map(|i| {
            Procedure::new(
                Target::from_instance(i, Preset::work365(), endpoints.clone()),
                Options::unattended(Mode::Setup),
            )
        })
        .collect();
    let _ = emu;
    run_batch(procs, client, &RealClock(Instant::now()), &Agree, &(), 4).await
}

/// Checks the emulator's state for every environment the run says is configured.
fn assert_state(state: &Value, runs: &[EnvironmentRun]) {
    let envs = state["tenant"]["environments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for run in runs {
        let Some(Outcome::Configured { evidence, .. }) = &run.outcome else {
            continue;
        };
        let host = run.environment.url.trim_start_matches("https://");
        let env = envs
            .iter()
            .find(|e| e["host"].as_str() == Some(host))
            .unwrap_or_else(|| panic!("no env {host}"));
        let users: Vec<&Value> = env["system_users"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|u| u["applicationid"].as_str() == Some(evidence.app_id.as_str()))
            .collect();
        assert_eq!(users.len(), 1, "{host}: one application user");
        let u = users[0];
        assert_eq!(u["deletedstate"], 0);
        assert_eq!(u["isdisabled"], false);
        let root = env["business_units"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|b| b["parent"].is_null())
            .expect("root");
        assert_eq!(u["business_unit"], root["id"], "{host}: root business unit");
        let role_ids: Vec<&str> = u["roles"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for name in Preset::work365().roles {
            let role = env["roles"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["name"].as_str() == Some(&name) && r["business_unit"] == root["id"])
                .expect("role");
            assert!(
                role_ids.contains(&role["id"].as_str().unwrap_or_default()),
                "{host}: {name}"
            );
        }
    }
}

fn summary(runs: &[EnvironmentRun]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for r in runs {
        *m.entry(r.outcome.as_ref().map_or("none".into(), Outcome::summary))
            .or_default() += 1;
    }
    m
}

async fn scenario(name: &str) {
    let emu = Emulator::spawn(EmuOptions::scenario(name)).expect("emulator starts");
    let client = NativeClient::new(&emu, &hosts(&emu.state_json()));
    let t0 = Instant::now();
    let first = run_all(&emu, &client).await;
    let first_ms = t0.elapsed().as_millis();
    assert!(!first.is_empty(), "{name}: discovery found environments");
    for r in &first {
        assert!(
            !matches!(r.outcome, Some(Outcome::Failed { .. }) | None),
            "{name} {}: {:?}",
            r.environment.url,
            r.outcome
        );
    }
    assert_state(&emu.state_json(), &first);

    let second = run_all(&emu, &client).await;
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(
            b.successful_writes(),
            0,
            "{name} {}: second run writes nothing",
            b.environment.url
        );
        assert!(b.writes.is_empty());
        match (&a.outcome, &b.outcome) {
            (Some(Outcome::Configured { .. }), Some(Outcome::Configured { already, .. })) => {
                assert!(already, "already configured")
            }
            (
                Some(Outcome::Stopped { assessment: x }),
                Some(Outcome::Stopped { assessment: y }),
            ) => assert_eq!(x.summary(), y.summary()),
            (x, y) => panic!("{name}: first {x:?}, second {y:?}"),
        }
        if matches!(b.outcome, Some(Outcome::Configured { .. })) {
            assert_eq!(b.stages, vec![w365_core::record::Stage::Inspect]);
            assert_eq!(
                b.outcome.as_ref().map(Outcome::summary).as_deref(),
                Some("already configured")
            );
        }
    }
    let max_stages = first.iter().map(|r| r.stages.len()).max().unwrap_or(0);
    assert!(max_stages <= 4, "{name}: at most four stages");
    let reqs: u32 = first.iter().map(|r| r.requests).sum();
    let writes: usize = first.iter().map(|r| r.writes.len()).sum();
    let rts = first.iter().map(|r| r.round_trips).max().unwrap_or(0);
    let reqs2: u32 = second.iter().map(|r| r.requests).sum();
    let rts2 = second.iter().map(|r| r.round_trips).max().unwrap_or(0);
    println!(
        "| {name} | {} | {:?} | {reqs} | {writes} | {max_stages} | {rts} | {reqs2} | {rts2} | {first_ms} |",
        first.len(),
        summary(&first)
    );
}

macro_rules! scenarios {
    ($($fn_name:ident => $name:literal),* $(,)?) => {$(
        #[tokio::test(flavor = "current_thread")]
        async fn $fn_name() {
            scenario($name).await;
        }
    )*};
}

scenarios! {
    demo => "demo",
    not_sysadmin => "not-sysadmin",
    not_consented => "not-consented",
    disabled_app_user => "disabled-app-user",
    roles_in_child_bu => "roles-in-child-bu",
    duplicate_role_names => "duplicate-role-names",
    both_consented => "both-consented",
    eu => "eu",
    soft_deleted_app_user => "soft-deleted-app-user",
    partial_setup => "partial-setup",
    batch_200 => "batch-200",
}
