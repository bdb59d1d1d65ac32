//! Issue 10, point 6: no request can hold a run. Every request has a timeout from the retry
//! policy; a read that keeps timing out ends in a typed `Timeout` with a remedy; a slow answer
//! within the timeout is waited for; a write that times out is re-read, never resent blind.
//! Time is tokio's paused clock (`support::fake_time`), so every assertion on when something
//! happened is exact. Cancels: `cancels_take_effect_at_once.rs`.

mod support;

use support::fake_time::PausedClock;
use support::hanging::{is_who_am_i, Admin, Hang, HangingClient};
use support::model::{Model, ORIGIN, PORTAL_ROLE, SERVICE_ROLE};
use support::{agree, is_create, run, target, unattended, Fault};
use w365_core::driver::drive;
use w365_core::error::Remedy;
use w365_core::http::{HttpRequest, Method};
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::{Mode, Options, Outcome, Procedure, ProcedureError};

/// The re-read of the application user: `GET systemusers?$filter=applicationid eq …`.
fn is_user_read(r: &HttpRequest) -> bool {
    r.method == Method::Get && r.url.contains("/systemusers?") && r.url.contains("applicationid")
}

fn setup_with_timeouts(read_ms: u64, write_ms: u64) -> Options {
    let mut o = unattended();
    o.retry.read_timeout_ms = read_ms;
    o.retry.write_timeout_ms = write_ms;
    o
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_hung_read_times_out_is_retried_within_the_policy_then_ends_in_a_typed_timeout_with_a_remedy(
) {
    let clock = PausedClock::new();
    let client = HangingClient::new(Model::fresh(US), &clock, |r| {
        if is_who_am_i(r) {
            Hang::Before
        } else {
            Hang::No
        }
    });
    let options = setup_with_timeouts(2_000, 5_000);
    let retries = options.retry.max_read_retries;
    let mut p = Procedure::new(target(), options);
    let outcome = drive(&mut p, &client, &clock, &Admin::new(&clock)).await;

    let Outcome::Failed { error } = &outcome else {
        panic!("expected a failure, got {outcome:?}")
    };
    assert_eq!(
        error,
        &ProcedureError::Timeout {
            step: "read who is signed in".into(),
            host: ORIGIN.into(),
            after_ms: 2_000,
            attempts: retries + 1,
        }
    );
    let remedy = error.remedy();
    assert_eq!(
        remedy,
        Remedy::ServiceNotAnswering {
            host: ORIGIN.into(),
            after_s: 2
        }
    );
    assert!(
        remedy.text().contains(ORIGIN) && remedy.text().contains("try again"),
        "{}",
        remedy.text()
    );

    // Asked once and retried `max_read_retries` times, each only after the last timed out;
    // every hung attempt was given up (its future dropped, which aborts a fetch).
    let attempts = client.sent_matching(is_who_am_i);
    assert_eq!(attempts.len() as u32, retries + 1);
    assert!(
        attempts.windows(2).all(|w| w[1] - w[0] >= 2_000),
        "{attempts:?}"
    );
    assert_eq!(client.abandoned.get(), attempts.len());
    assert_eq!(
        client.writes(),
        0,
        "nothing is written after a failed inspection"
    );
    // Five timeouts and four backoffs of at most 0.5 + 1 + 2 + 4 s: the run cannot hang.
    let took = clock.elapsed_ms();
    assert!((10_000..=10_000 + 7_500).contains(&took), "took {took} ms");
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_slow_answer_within_the_timeout_is_waited_for() {
    let clock = PausedClock::new();
    let client = HangingClient::new(Model::fresh(US), &clock, |r| {
        if is_who_am_i(r) {
            Hang::Delay(1_900)
        } else {
            Hang::No
        }
    });
    let mut p = Procedure::new(target(), setup_with_timeouts(2_000, 5_000));
    let outcome = drive(&mut p, &client, &clock, &Admin::new(&clock)).await;
    assert!(
        matches!(outcome, Outcome::Configured { already: false, .. }),
        "{outcome:?}"
    );
    assert_eq!(client.sent_matching(is_who_am_i).len(), 1, "not retried");
    assert_eq!(client.abandoned.get(), 0);
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_hung_write_times_out_and_is_re_read_never_resent_blind() {
    for processed in [false, true] {
        let clock = PausedClock::new();
        let mut first = true;
        let client = HangingClient::new(Model::fresh(US), &clock, move |r| {
            if is_create(r) && std::mem::take(&mut first) {
                if processed {
                    Hang::After
                } else {
                    Hang::Before
                }
            } else {
                Hang::No
            }
        });
        let mut p = Procedure::new(target(), setup_with_timeouts(2_000, 5_000));
        let outcome = drive(&mut p, &client, &clock, &Admin::new(&clock)).await;
        assert!(
            matches!(outcome, Outcome::Configured { already: false, .. }),
            "processed={processed}: {outcome:?}"
        );
        assert!(client.model.borrow().is_configured(US));
        assert_eq!(client.model.borrow().app_users(US).len(), 1, "one user");

        let sent = client.sent.borrow();
        let create_at = sent
            .iter()
            .position(|(_, r)| is_create(r))
            .expect("a create");
        // Given up after the write timeout, then the user is read before anything is written.
        let (t_create, _) = sent[create_at];
        let (t_next, next) = &sent[create_at + 1];
        assert_eq!(t_next - t_create, 5_000, "the write timeout");
        assert!(
            is_user_read(next),
            "after a timed-out create: {} {}",
            next.method,
            next.url
        );
        let creates = sent.iter().filter(|(_, r)| is_create(r)).count();
        // Created by the lost write: adopted. Not created: created again, after the re-read.
        assert_eq!(
            creates,
            if processed { 1 } else { 2 },
            "processed={processed}"
        );
        let record = p.record();
        assert_eq!(record.writes[0].status, None);
        assert!(record.writes[0]
            .error
            .as_deref()
            .is_some_and(|e| e.contains("timed out")));
    }
}

/// Which write each starting state's first round sends, to time out.
fn first_write(kind: &str) -> impl Fn(&HttpRequest) -> bool + '_ {
    move |r: &HttpRequest| match kind {
        "create" => is_create(r),
        "enable" => {
            r.method == Method::Patch
                && r.body_text()
                    .unwrap_or_default()
                    .contains("\"isdisabled\":false")
        }
        "assign" => r.method == Method::Post && r.url.contains("systemuserroles_association"),
        "remove" => r.method == Method::Delete,
        "disable" => {
            r.method == Method::Patch
                && r.body_text()
                    .unwrap_or_default()
                    .contains("\"isdisabled\":true")
        }
        _ => false,
    }
}

#[test]
fn every_kind_of_write_that_times_out_is_re_read_before_anything_else_is_written() {
    // (write kind, starting state, mode)
    let cases: Vec<(&str, Model, Mode)> = vec![
        ("create", Model::fresh(US), Mode::Setup),
        (
            "enable",
            {
                let mut m = Model::fresh(US);
                m.add_app_user(US, true, &[SERVICE_ROLE, PORTAL_ROLE]);
                m
            },
            Mode::Setup,
        ),
        (
            "assign",
            {
                let mut m = Model::fresh(US);
                m.add_app_user(US, false, &[SERVICE_ROLE]);
                m
            },
            Mode::Setup,
        ),
        (
            "remove",
            {
                let mut m = Model::fresh(US);
                m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE]);
                m
            },
            Mode::Undo,
        ),
        (
            "disable",
            {
                let mut m = Model::fresh(US);
                m.add_app_user(US, false, &[]);
                m
            },
            Mode::Undo,
        ),
    ];
    for (kind, start, mode) in cases {
        for fault in [Fault::TimeoutBefore, Fault::TimeoutAfter] {
            let mut m = start.clone();
            let pick = first_write(kind);
            let mut hit = false;
            let mut p = Procedure::new(target(), Options::unattended(mode));
            let (outcome, trace) = run(
                &mut p,
                &mut m,
                |r| {
                    if !hit && pick(r) {
                        hit = true;
                        fault
                    } else {
                        Fault::None
                    }
                },
                agree,
                true,
            );
            assert!(hit, "{kind}: the write was sent");
            let round = trace
                .sends
                .iter()
                .position(|round| round.iter().any(&pick))
                .expect("the timed-out round");
            let next = &trace.sends[round + 1];
            assert!(
                next.len() == 1 && is_user_read(&next[0]),
                "{kind} {fault:?}: after the timed-out write came {:?}",
                next.iter()
                    .map(|r| format!("{} {}", r.method, r.url))
                    .collect::<Vec<_>>()
            );
            let expected_end = match mode {
                Mode::Undo => matches!(outcome, Outcome::Undone { .. }),
                _ => matches!(outcome, Outcome::Configured { .. }),
            };
            assert!(expected_end, "{kind} {fault:?}: {outcome:?}");
            match mode {
                Mode::Undo => assert!(m.app_users(US).iter().all(|u| u.disabled)),
                _ => assert!(m.is_configured(US), "{kind} {fault:?}"),
            }
            assert_eq!(m.app_users(US).len(), 1, "{kind} {fault:?}: one user");
        }
    }
}
