//! `$batch` from a browser is a guess the product relies on (SCENARIOS.md, "`$batch`"): here
//! the emulator's `$batch` answers the other way — refused (`501`, `400`), failed (`503`, a
//! `500` after its parts were carried out), a dropped connection before or after its parts, a
//! hang past the timeout — and every run must still end configured, with one application
//! user, each role associated once, the writes in doubt re-read, and the record saying why the
//! environment was served by single requests.
//!
//! Run: `cargo test -p w365-core --test emulator_batch_refused`

#[path = "support/native.rs"]
mod native;
#[path = "support/emulator_runs.rs"]
mod runs;

use native::NativeClient;
use runs::{
    assert_configured_once, creates, fault, prod_only, prod_only_with, run_of, start, PROD,
};
use serde_json::{json, Value};
use w365_core::procedure::{Mode, Options};
use w365_core::record::EnvironmentRun;
use w365_emulator::RunningEmulator;

const BATCH: &str = "/api/data/v9.2/$batch";
const ASSOCIATE: &str = "/systemuserroles_association/$ref";

/// Every way the `$batch` itself may be answered otherwise, by name.
fn refusals() -> Vec<(&'static str, Value)> {
    vec![
        (
            "501",
            json!({"status": 501, "body": "{\"error\":{\"code\":\"0x80060888\",\"message\":\"Not implemented\"}}"}),
        ),
        (
            "400",
            json!({"status": 400, "body": "{\"error\":{\"code\":\"0x80060888\",\"message\":\"Bad request\"}}"}),
        ),
        (
            "503",
            json!({"status": 503, "body": "Service Unavailable", "content_type": "text/plain"}),
        ),
        (
            "500 after its parts",
            json!({"status": 500, "processed": true}),
        ),
        ("dropped before", json!({"drop": "before"})),
        ("dropped after its parts", json!({"drop": "after"})),
    ]
}

/// A log entry: (seq, method, path, status, the `$batch` it was a part of).
type Entry = (u64, String, String, Option<u64>, Option<u64>);

/// The log entries for `PROD`.
fn log(emu: &RunningEmulator) -> Vec<Entry> {
    emu.state_json()["requests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["host"].as_str().is_some_and(|h| h.starts_with(PROD)))
        .map(|e| {
            (
                e["seq"].as_u64().unwrap_or_default(),
                e["method"].as_str().unwrap_or_default().to_owned(),
                e["path"].as_str().unwrap_or_default().to_owned(),
                e["status"].as_u64(),
                e["batch"].as_u64(),
            )
        })
        .collect()
}

/// Role associations Dataverse carried out (answered 2xx, alone or as a part).
fn roles_associated(emu: &RunningEmulator) -> usize {
    log(emu)
        .iter()
        .filter(|(_, m, p, s, _)| {
            m == "POST" && p.ends_with(ASSOCIATE) && s.is_some_and(|s| (200..300).contains(&s))
        })
        .count()
}

/// The run says batching stopped, and after the faulted `$batch` every Dataverse request to
/// the environment went alone.
fn assert_served_alone_after(emu: &RunningEmulator, run: &EnvironmentRun, what: &str) {
    let why = run.wire.batching_refused.as_deref();
    assert!(why.is_some(), "{what}: the record says why: {:?}", run.wire);
    let entries = log(emu);
    let faulted = entries
        .iter()
        .filter(|(_, m, p, _, _)| m == "POST" && p == BATCH)
        .map(|(seq, ..)| *seq)
        .next_back()
        .unwrap_or_else(|| panic!("{what}: a $batch went out"));
    // (The parts of a `$batch` that hung are logged when it is carried out, late: not after.)
    let after: Vec<_> = entries
        .iter()
        .filter(|(seq, .., b)| *seq > faulted && *b != Some(faulted))
        .collect();
    assert!(!after.is_empty(), "{what}: single requests followed");
    assert!(
        after
            .iter()
            .all(|(_, _, p, _, b)| p != BATCH && b.is_none()),
        "{what}: no $batch after the refusal: {after:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn every_round_goes_as_one_batch_when_dataverse_takes_it() {
    let emu = start("demo");
    let client = NativeClient::new(&emu);
    let runs = prod_only(&client).await;
    assert_configured_once(&emu, &runs, PROD);
    let run = run_of(&runs, PROD);
    assert_eq!(run.wire.batching_refused, None);
    assert!(run.wire.batches >= 2, "{:?}", run.wire);
    let entries = log(&emu);
    let batches: Vec<u64> = entries
        .iter()
        .filter(|(_, m, p, _, _)| m == "POST" && p == BATCH)
        .map(|(seq, ..)| *seq)
        .collect();
    assert_eq!(batches.len() as u32, run.wire.batches);
    // Each part is logged as its own request, under its `$batch`.
    for seq in &batches {
        assert!(
            entries.iter().filter(|e| e.4 == Some(*seq)).count() >= 2,
            "$batch {seq} has its parts logged"
        );
    }
    assert_eq!(roles_associated(&emu), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn an_inspection_batch_answered_otherwise_is_read_again_alone_and_the_run_ends_configured() {
    for (what, action) in refusals() {
        let emu = start("demo");
        fault(
            &emu,
            json!({"method": "POST", "host": PROD, "path": BATCH, "action": action}),
        );
        let client = NativeClient::new(&emu);
        let runs = prod_only(&client).await;
        assert_configured_once(&emu, &runs, PROD);
        assert_eq!(creates(&emu.state_json(), PROD), 1, "{what}: one create");
        assert_eq!(roles_associated(&emu), 2, "{what}: each role once");
        assert_served_alone_after(&emu, run_of(&runs, PROD), what);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_roles_batch_answered_otherwise_leaves_its_writes_in_doubt_re_read_never_repeated() {
    for (what, action) in refusals() {
        let emu = start("demo");
        // The inspection's `$batch` passes (a zero delay); the next one (the two roles) fails.
        fault(
            &emu,
            json!([
                {"method": "POST", "host": PROD, "path": BATCH, "action": {"latency_ms": 0}},
                {"method": "POST", "host": PROD, "path": BATCH, "action": action},
            ]),
        );
        let client = NativeClient::new(&emu);
        let runs = prod_only(&client).await;
        assert_configured_once(&emu, &runs, PROD);
        assert_eq!(creates(&emu.state_json(), PROD), 1, "{what}: one create");
        assert_eq!(
            roles_associated(&emu),
            2,
            "{what}: each role carried out once"
        );
        let run = run_of(&runs, PROD);
        assert_served_alone_after(&emu, run, what);
        // What the failed `$batch` carried is in doubt, or sent again when it was refused
        // before anything was carried out: either way the run went on and verified.
        assert!(run.wire.batches >= 2, "{what}: {:?}", run.wire);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_batch_that_hangs_past_its_timeout_is_given_up_and_the_run_ends_configured() {
    for skip in [0, 1] {
        let emu = start("demo");
        let mut faults = vec![];
        if skip == 1 {
            faults.push(
                json!({"method": "POST", "host": PROD, "path": BATCH, "action": {"latency_ms": 0}}),
            );
        }
        faults.push(
            json!({"method": "POST", "host": PROD, "path": BATCH, "action": {"latency_ms": 2_500}}),
        );
        fault(&emu, Value::Array(faults));
        let client = NativeClient::new(&emu);
        let mut options = Options::unattended(Mode::Setup);
        options.retry = options.retry.with_timeouts_at_most(1_000);
        let runs = prod_only_with(&client, options).await;
        // The hung `$batch` is carried out late (after the run gave up on it): wait for it,
        // so the state below is final.
        tokio::time::sleep(std::time::Duration::from_millis(2_000)).await;
        assert_configured_once(&emu, &runs, PROD);
        assert_eq!(creates(&emu.state_json(), PROD), 1, "one create");
        assert_served_alone_after(&emu, run_of(&runs, PROD), "hang");
    }
}
