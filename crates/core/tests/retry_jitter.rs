//! Issue 10, second half of point 10: retry jitter is seeded per environment. Runs that share
//! a page load's seed but not an environment back off apart (fifty throttled environments do
//! not retry in lock-step); a run with the same seed and environment replays the same waits.

mod support;

use support::model::Model;
use support::{agree, run, target, unattended, Fault};
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::{Options, Outcome, Procedure};
use w365_core::record::EnvironmentRef;

/// The backoffs a run waits when every read answers `503` until its retries are spent.
fn backoffs(seed: u64, url: &str) -> Vec<u64> {
    let mut t = target();
    t.environment = EnvironmentRef {
        id: None,
        name: url.into(),
        url: url.into(),
    };
    let mut p = Procedure::new(
        t,
        Options {
            seed,
            ..unattended()
        },
    );
    let (outcome, _) = run(
        &mut p,
        &mut Model::fresh(US),
        |_| Fault::ServerError,
        agree,
        true,
    );
    assert!(matches!(outcome, Outcome::Failed { .. }), "{outcome:?}");
    p.record().waits.iter().map(|w| w.ms).collect()
}

#[test]
fn environments_sharing_a_page_loads_seed_back_off_apart_and_each_run_replays() {
    let seed = 0x5EED_2026;
    let urls: Vec<String> = (0..50)
        .map(|i| format!("https://org{i}.crm.dynamics.com"))
        .collect();
    let waits: Vec<Vec<u64>> = urls.iter().map(|u| backoffs(seed, u)).collect();
    assert!(waits.iter().all(|w| !w.is_empty()));
    let firsts: std::collections::BTreeSet<u64> = waits.iter().map(|w| w[0]).collect();
    assert!(
        firsts.len() >= 35,
        "50 environments, only {} distinct first backoffs",
        firsts.len()
    );
    // Replayable: the same seed and environment wait exactly the same again.
    assert_eq!(backoffs(seed, &urls[7]), waits[7]);
    // Another page load (another seed) waits differently in the same environment.
    assert_ne!(backoffs(seed + 1, &urls[7]), waits[7]);
}
