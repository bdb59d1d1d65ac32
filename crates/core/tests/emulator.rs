//! Integration: the procedure natively against the tenant emulator, every shipped scenario,
//! twice (the second run must write nothing), within each scenario's budget of stages, exchanges
//! and round trips (below). Timings are not taken here:
//! `cargo bench -p w365-core --bench round_trips` measures them (see BENCHMARKS.md).
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

/// What a scenario may cost, counted from the run records (no timing, so the test command can
/// enforce it): stages and sequential round trips of its longest environment and requests over
/// all its environments, for the first run, and requests and round trips for the second (which
/// finds everything configured and only inspects). One table below holds every scenario's
/// figures (BENCHMARKS.md explains them): inspect takes 1 round trip (2 with the privilege
/// fallback); a fresh environment then creates, assigns and verifies; a disabled application
/// user is enabled alone and its roles follow in a round of their own (Microsoft's order).
/// Exchanges are HTTP exchanges on the wire as the core makes them: a `$batch` is one, however
/// many requests it carries (`EnvironmentRun::wire`; the procedure's own count of requests
/// stays in `EnvironmentRun::requests`); the browser adds CORS preflights and token requests
/// (`node bench/batch.mjs` counts those). A change that raises a figure says why; one that
/// lowers it lowers the budget (the test prints which).
#[derive(Debug, Clone, Copy)]
struct Budget {
    stages: usize,
    exchanges: u32,
    round_trips: u32,
    second_exchanges: u32,
    second_round_trips: u32,
}

fn assert_within(name: &str, budget: Budget, one: &RunCounts, two: &RunCounts) {
    assert!(
        one.max_stages <= budget.stages,
        "{name}: {} stages over the budget of {}",
        one.max_stages,
        budget.stages
    );
    assert!(two.max_stages <= 1, "{name}: a second run only inspects");
    let checks = [
        ("first-run exchanges", one.exchanges, budget.exchanges),
        (
            "first-run round trips",
            one.max_round_trips,
            budget.round_trips,
        ),
        (
            "second-run exchanges",
            two.exchanges,
            budget.second_exchanges,
        ),
        (
            "second-run round trips",
            two.max_round_trips,
            budget.second_round_trips,
        ),
    ];
    for (what, seen, allowed) in checks {
        assert!(
            seen <= allowed,
            "{name}: {what} {seen} over the budget of {allowed} (crates/core/tests/emulator.rs)"
        );
        if seen < allowed {
            println!("{name}: {what} {seen}, under the budget of {allowed}: lower the budget");
        }
    }
    if one.max_stages < budget.stages {
        println!(
            "{name}: {} stages, under the budget of {}: lower the budget",
            one.max_stages, budget.stages
        );
    }
}

async fn scenario(name: &str, budget: Budget) {
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
    assert_within(name, budget, &one, &two);
    println!(
        "{name}: {:?}; first {one:?}; second {two:?}",
        outcomes(&first)
    );
}

macro_rules! scenarios {
    ($($fn_name:ident => $name:literal: $stages:literal stages, $exchanges:literal / $round_trips:literal, second $second_exchanges:literal / $second_round_trips:literal),* $(,)?) => {$(
        #[tokio::test(flavor = "current_thread")]
        async fn $fn_name() {
            let budget = Budget {
                stages: $stages,
                exchanges: $exchanges,
                round_trips: $round_trips,
                second_exchanges: $second_exchanges,
                second_round_trips: $second_round_trips,
            };
            scenario($name, budget).await;
        }
    )*};
}

// scenario: first-run stages, exchanges / max round trips; second-run exchanges / max round trips.
scenarios! {
    demo => "demo": 4 stages, 15 / 4, second 12 / 1,
    not_sysadmin => "not-sysadmin": 1 stages, 4 / 2, second 4 / 2,
    not_consented => "not-consented": 1 stages, 3 / 1, second 3 / 1,
    disabled_app_user => "disabled-app-user": 4 stages, 6 / 4, second 3 / 1,
    roles_in_child_bu => "roles-in-child-bu": 1 stages, 3 / 1, second 3 / 1,
    duplicate_role_names => "duplicate-role-names": 1 stages, 3 / 1, second 3 / 1,
    both_consented => "both-consented": 4 stages, 6 / 4, second 3 / 1,
    eu => "eu": 4 stages, 6 / 4, second 3 / 1,
    soft_deleted_app_user => "soft-deleted-app-user": 1 stages, 3 / 1, second 3 / 1,
    partial_setup => "partial-setup": 3 stages, 5 / 3, second 3 / 1,
    batch_200 => "batch-200": 4 stages, 1200 / 4, second 600 / 1,
    solution_named_otherwise => "solution-named-otherwise": 4 stages, 6 / 4, second 3 / 1,
    roles_without_solution => "roles-without-solution": 4 stages, 6 / 4, second 3 / 1,
    old_version => "old-version": 1 stages, 3 / 1, second 3 / 1,
}
