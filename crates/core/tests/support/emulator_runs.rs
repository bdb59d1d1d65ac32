//! The product natively against a running tenant emulator, for the tests of its rules
//! (`emulator_read_rules.rs`, `emulator_write_rules.rs`): start a scenario, inject a fault, run
//! the production environment, and read what the emulator's state and request log show after.
//!
//! Included with `#[path]` next to `native.rs`, which the including crate names `native`.
#![allow(dead_code)]

use crate::native::{discover, run_instances_with, NativeClient};
use serde_json::Value;
use w365_core::discovery::{Instance, Listed};
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::{Mode, Options as RunOptions, Outcome};
use w365_core::record::EnvironmentRun;
use w365_emulator::{Emulator, Options, RunningEmulator};

/// The production environment of the `demo` scenario and its variants.
pub const PROD: &str = "contosoprod.crm.dynamics.com";

/// The emulator serving a shipped scenario.
pub fn start(scenario: &str) -> RunningEmulator {
    Emulator::spawn(Options::scenario(scenario)).expect("emulator starts")
}

/// The run of the environment on `host`.
pub fn run_of<'a>(runs: &'a [EnvironmentRun], host: &str) -> &'a EnvironmentRun {
    runs.iter()
        .find(|r| r.environment.url == format!("https://{host}"))
        .unwrap_or_else(|| panic!("no run for {host}"))
}

/// The environment on `host` in the emulator's state.
pub fn env_state<'a>(state: &'a Value, host: &str) -> &'a Value {
    state["tenant"]["environments"]
        .as_array()
        .and_then(|envs| envs.iter().find(|e| e["host"] == host))
        .unwrap_or_else(|| panic!("no environment {host}"))
}

/// The application users of the US app in an environment of the emulator's state.
pub fn app_users(state: &Value, host: &str) -> Vec<Value> {
    env_state(state, host)["system_users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|u| u["applicationid"] == US)
        .cloned()
        .collect()
}

/// Requests the emulator saw for a host, as `METHOD path` with their status.
pub fn log_for(state: &Value, host: &str) -> Vec<(String, Option<u64>)> {
    state["requests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            e["host"]
                .as_str()
                .is_some_and(|h| h.split(':').next() == Some(host))
        })
        .map(|e| {
            (
                format!(
                    "{} {}",
                    e["method"].as_str().unwrap_or_default(),
                    e["path"].as_str().unwrap_or_default()
                ),
                e["status"].as_u64(),
            )
        })
        .collect()
}

/// How many creates of an application user the emulator saw for `host`.
pub fn creates(state: &Value, host: &str) -> usize {
    log_for(state, host)
        .iter()
        .filter(|(r, _)| r == "POST /api/data/v9.2/systemusers")
        .count()
}

/// The run on `host` ended configured, with exactly one enabled application user holding both
/// roles.
pub fn assert_configured_once(emu: &RunningEmulator, runs: &[EnvironmentRun], host: &str) {
    let run = run_of(runs, host);
    assert!(
        matches!(run.outcome, Some(Outcome::Configured { .. })),
        "{host}: {:?}",
        run.outcome
    );
    let users = app_users(&emu.state_json(), host);
    assert_eq!(users.len(), 1, "{host}: exactly one application user");
    assert_eq!(users[0]["isdisabled"], false);
    assert_eq!(users[0]["roles"].as_array().map(Vec::len), Some(2));
}

/// Discovers, then sets up the production environment alone.
pub async fn prod_only(client: &NativeClient<'_>) -> Vec<EnvironmentRun> {
    prod_only_with(client, RunOptions::unattended(Mode::Setup)).await
}

/// Discovers, then runs the production environment alone with `options`.
pub async fn prod_only_with(client: &NativeClient<'_>, options: RunOptions) -> Vec<EnvironmentRun> {
    let prod: Vec<Instance> = discover(client)
        .await
        .into_iter()
        .filter_map(|l| match l {
            Listed::Usable(i) if i.url == format!("https://{PROD}") => Some(i),
            _ => None,
        })
        .collect();
    assert_eq!(prod.len(), 1);
    run_instances_with(client, &prod, 1, options).await
}

/// Makes the emulator answer the next matching requests as `f` says.
pub fn fault(emu: &RunningEmulator, f: Value) {
    emu.inject_faults(f).expect("fault accepted");
}
