//! Integration: the procedure natively against the tenant emulator, every shipped scenario,
//! twice (the second run must write nothing), within the stage budget. Timings are not taken
//! here: `cargo bench -p w365-core --bench round_trips` measures them (see BENCHMARKS.md).
//!
//! Run: `cargo test -p w365-core --test emulator` (add `-- --nocapture` for the counts).

#[path = "support/native.rs"]
mod native;

use native::{outcomes, run_all, NativeClient, RunCounts};
use serde_json::Value;
use w365_core::batch::DEFAULT_CONCURRENCY;
use w365_core::preset::Preset;
use w365_core::procedure::Outcome;
use w365_core::record::{EnvironmentRun, Stage};
use w365_emulator::{Emulator, Options as EmuOptions};

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

/// The first run's budget, as (stages, round trips) of its longest environment (BENCHMARKS.md).
/// Inspect takes 1 round trip (2 with the privilege fallback); a fresh environment then
/// creates, assigns and verifies. A disabled application user is enabled alone and its roles
/// follow in a round of their own (Microsoft's order), so it costs the same stages as a create.
fn budget(name: &str) -> (usize, u32) {
    match name {
        "not-sysadmin" => (1, 2),
        "partial-setup" => (3, 3),
        "not-consented"
        | "roles-in-child-bu"
        | "duplicate-role-names"
        | "soft-deleted-app-user"
        | "old-version" => (1, 1),
        _ => (4, 4),
    }
}

/// A second run only inspects: one round trip (two with the privilege fallback).
fn second_budget(name: &str) -> u32 {
    if name == "not-sysadmin" {
        2
    } else {
        1
    }
}

async fn scenario(name: &str) {
    let emu = Emulator::spawn(EmuOptions::scenario(name)).expect("emulator starts");
    let client = NativeClient::new(&emu);
    let first = run_all(&client, DEFAULT_CONCURRENCY).await;
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

    let second = run_all(&client, DEFAULT_CONCURRENCY).await;
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
            assert_eq!(b.stages, vec![Stage::Inspect]);
            assert_eq!(
                b.outcome.as_ref().map(Outcome::summary).as_deref(),
                Some("already configured")
            );
        }
    }
    let (one, two) = (RunCounts::of(&first), RunCounts::of(&second));
    let (stages, round_trips) = budget(name);
    assert!(
        one.max_stages <= stages && one.max_round_trips <= round_trips,
        "{name}: {one:?} over the budget of {stages} stages and {round_trips} round trips"
    );
    assert!(two.max_stages <= 1, "{name}: a second run only inspects");
    assert!(
        two.max_round_trips <= second_budget(name),
        "{name}: {two:?} over the second run's budget"
    );
    println!(
        "{name}: {:?}; first {one:?}; second {two:?}",
        outcomes(&first)
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
    solution_named_otherwise => "solution-named-otherwise",
    roles_without_solution => "roles-without-solution",
    old_version => "old-version",
}
