//! Bad answers, run sans-IO against the in-memory model: throttling is waited out within the
//! policy, server errors on reads are retried with backoff, an expired token is renewed once,
//! and what cannot be recovered ends in a typed error with a remedy.

mod support;

use support::model::Model;
use support::{agree, run, target, unattended, Fault};
use w365_core::error::{ApiError, Remedy};
use w365_core::ids::AppId;
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::{Command, Outcome, Procedure, ProcedureError, WaitReason};

#[test]
fn throttled_read_waits_retry_after_as_a_countdown_then_continues() {
    let mut m = Model::fresh(US);
    let mut first = true;
    let mut p = Procedure::new(target(), unattended());
    let (o, t) = run(
        &mut p,
        &mut m,
        |r| {
            if first && r.url.ends_with("WhoAmI") {
                first = false;
                Fault::Throttle(7)
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    assert!(t.commands.iter().any(|c| matches!(
        c,
        Command::WaitUntil {
            reason: WaitReason::Throttled { retry_after_s: 7 },
            ..
        }
    )));
    assert_eq!(t.waits_ms, 7_000);
    assert_eq!(p.record().waits.len(), 1);
}

#[test]
fn throttling_longer_than_the_policy_allows_fails_typed() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (o, _) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.ends_with("WhoAmI") {
                Fault::Throttle(3600)
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    assert_eq!(
        o,
        Outcome::Failed {
            error: ProcedureError::Throttled {
                retry_after_s: 3600
            }
        }
    );
}

#[test]
fn server_errors_on_reads_are_retried_with_backoff() {
    let mut m = Model::fresh(US);
    let mut n = 0;
    let mut p = Procedure::new(target(), unattended());
    let (o, t) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.contains("/roles?") && n < 3 {
                n += 1;
                Fault::ServerError
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    let backoffs = t
        .commands
        .iter()
        .filter(|c| {
            matches!(
                c,
                Command::WaitUntil {
                    reason: WaitReason::Backoff { .. },
                    ..
                }
            )
        })
        .count();
    assert_eq!(backoffs, 3);
}

#[test]
fn persistent_server_errors_end_in_a_typed_error() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (o, t) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.ends_with("WhoAmI") {
                Fault::ServerError
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    let Outcome::Failed {
        error: ProcedureError::Api { error, remedy, .. },
    } = &o
    else {
        panic!("{o:?}")
    };
    assert_eq!(error.status(), Some(503));
    assert_eq!(remedy, &Remedy::TryLater);
    assert_eq!(
        t.sends
            .iter()
            .flatten()
            .filter(|r| r.url.ends_with("WhoAmI"))
            .count(),
        5,
        "first try + 4 retries"
    );
}

#[test]
fn expired_token_is_renewed_once_then_sign_in_expired() {
    let mut m = Model::fresh(US);
    let mut once = true;
    let mut p = Procedure::new(target(), unattended());
    let (o, t) = run(
        &mut p,
        &mut m,
        |r| {
            if once && r.url.ends_with("WhoAmI") {
                once = false;
                Fault::Unauthorized
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    assert!(t.commands.iter().any(|c| c
        == &Command::RenewSignIn {
            audience: support::model::ORIGIN.into()
        }));

    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (o, _) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.ends_with("WhoAmI") {
                Fault::Unauthorized
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    assert_eq!(
        o,
        Outcome::Failed {
            error: ProcedureError::SignInExpired {
                audience: support::model::ORIGIN.into()
            }
        }
    );

    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (o, _) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.ends_with("WhoAmI") {
                Fault::Unauthorized
            } else {
                Fault::None
            }
        },
        agree,
        false,
    );
    assert!(matches!(
        o,
        Outcome::Failed {
            error: ProcedureError::SignInExpired { .. }
        }
    ));
}

#[test]
fn html_page_instead_of_json_is_an_unreadable_error_not_a_panic() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (o, _) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.ends_with("WhoAmI") {
                Fault::Html
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    let Outcome::Failed {
        error:
            ProcedureError::Api {
                error: ApiError::Unreadable { excerpt, .. },
                ..
            },
    } = &o
    else {
        panic!("{o:?}")
    };
    assert!(excerpt.starts_with("<!DOCTYPE html>"));
}

#[test]
fn unknown_consent_goes_on_and_shows_dataverse_refusal_verbatim() {
    let mut m = Model::fresh(US);
    m.consented.clear();
    let mut p = Procedure::new(
        w365_core::procedure::Target {
            data_center: AppId::parse(US).ok(),
            ..target()
        },
        unattended(),
    );
    let (o, _) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.starts_with(&support::model::graph()) {
                Fault::Forbidden
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    assert!(matches!(
        p.inspection().consent_of(&AppId::parse(US).unwrap()),
        Some(w365_core::graph::Consent::Unknown { .. })
    ));
    let Outcome::Failed {
        error:
            ProcedureError::Api {
                remedy: Remedy::ReadServiceMessage { code, message },
                ..
            },
    } = &o
    else {
        panic!("{o:?}")
    };
    assert_eq!(code.as_deref(), Some("0x80040216"));
    assert_eq!(message, "The application is not registered in the tenant");
}
