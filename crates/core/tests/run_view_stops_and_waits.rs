//! The run's snapshot (`RunView`) when it does not simply go on: a failed run marks the step
//! in flight failed, a cancel shows a write on its way as unknown and skips what was not sent,
//! and the view names what the run waits for (a timer, a sign-in, another tab's lock). The
//! steps of a run that goes on: `run_view.rs`.

mod support;

use support::model::Model;
use support::view::{at_the_plan, keys, sent, statuses};
use support::{agree, answer_with_fault, is_create, run_until, target, Fault, START_MS};
use w365_core::http::Method;
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::{
    Command, Input, Mode, Options, Outcome, Procedure, ProcedureError, RunStage, RunWait, Step,
    StepStatus, WaitReason,
};

#[test]
fn a_failed_run_marks_the_step_in_flight_failed() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), Options::default());
    let first = p.start(START_MS);
    // Asked to wait longer than the policy accepts: the run fails while inspecting.
    let done = run_until(
        &mut p,
        &mut m,
        first,
        |m, r| answer_with_fault(m, r, Fault::Throttle(900)),
        |c, _| matches!(c, Command::Done { .. }),
    );
    assert!(
        matches!(
            done,
            Command::Done {
                outcome: Outcome::Failed {
                    error: ProcedureError::Throttled { .. }
                }
            }
        ),
        "{done:?}"
    );
    let view = p.view();
    assert_eq!(keys(&view), ["inspect"]);
    assert_eq!(statuses(&view), [StepStatus::Failed]);
    assert_eq!(view.stage, RunStage::Done);
}

#[test]
fn a_write_on_its_way_at_a_cancel_is_shown_as_unknown_not_failed() {
    let mut m = Model::fresh(US);
    let (mut p, cmd) = at_the_plan(&mut m);
    let Command::Prompt { prompt } = &cmd else {
        unreachable!()
    };
    let cmd = p.handle(
        Input::Choice {
            answer: agree(prompt),
        },
        START_MS + 100,
    );
    assert_eq!(sent(&cmd), [(Method::Post, Step::Create)]);
    let done = p.handle(Input::Cancel, START_MS + 200);
    assert!(
        matches!(
            done,
            Command::Done {
                outcome: Outcome::Failed {
                    error: ProcedureError::CancelledWithWritesInDoubt { .. }
                }
            }
        ),
        "{done:?}"
    );
    let keys: Vec<&str> = p.view().steps.iter().map(|s| s.status.key()).collect();
    assert_eq!(keys, ["done", "unknown", "skipped", "skipped", "skipped"]);
}

#[test]
fn a_cancel_before_the_write_was_sent_skips_it() {
    let mut m = Model::fresh(US);
    let (mut p, cmd) = at_the_plan(&mut m);
    let Command::Prompt { prompt } = &cmd else {
        unreachable!()
    };
    p.handle(
        Input::Choice {
            answer: agree(prompt),
        },
        START_MS + 100,
    );
    let done = p.handle(Input::CancelBeforeSending, START_MS + 200);
    assert_eq!(
        done,
        Command::Done {
            outcome: Outcome::Cancelled
        }
    );
    use StepStatus::*;
    assert_eq!(
        statuses(&p.view()),
        [Done, Skipped, Skipped, Skipped, Skipped]
    );
}

#[test]
fn the_view_names_what_the_run_waits_for() {
    // Throttled: a timer until the Retry-After.
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), Options::unattended(Mode::Setup));
    let first = p.start(START_MS);
    let mut throttled = false;
    let wait = run_until(
        &mut p,
        &mut m,
        first,
        |m, r| {
            if is_create(r) && !throttled {
                throttled = true;
                return answer_with_fault(m, r, Fault::Throttle(2));
            }
            Ok(m.handle(r))
        },
        |c, _| matches!(c, Command::WaitUntil { .. }),
    );
    let Command::WaitUntil { at_ms, .. } = wait else {
        unreachable!()
    };
    assert_eq!(
        p.view().wait,
        Some(RunWait::Timer {
            until_ms: at_ms,
            reason: WaitReason::Throttled { retry_after_s: 2 }
        })
    );

    // A token refused: the sign-in.
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), Options::unattended(Mode::Setup));
    let first = p.start(START_MS);
    let renew = run_until(
        &mut p,
        &mut m,
        first,
        |m, r| {
            if r.url.ends_with("/WhoAmI") {
                return answer_with_fault(m, r, Fault::Unauthorized);
            }
            Ok(m.handle(r))
        },
        |c, _| matches!(c, Command::RenewSignIn { .. }),
    );
    let Command::RenewSignIn { audience } = renew else {
        unreachable!()
    };
    assert_eq!(p.view().wait, Some(RunWait::SignIn { audience }));

    // Another tab holds the write lock.
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(
        target(),
        Options {
            write_lock: true,
            ..Options::unattended(Mode::Setup)
        },
    );
    let first = p.start(START_MS);
    let lock = run_until(
        &mut p,
        &mut m,
        first,
        |m, r| Ok(m.handle(r)),
        |c, _| matches!(c, Command::Lock { .. }),
    );
    assert!(matches!(lock, Command::Lock { wait: false, .. }));
    assert_eq!(p.view().stage, RunStage::Lock);
    assert_eq!(p.view().wait, None, "asking without waiting is no wait yet");
    let waiting = p.handle(
        Input::Lock {
            grant: w365_core::procedure::LockGrant::Busy,
        },
        START_MS + 500,
    );
    assert!(matches!(waiting, Command::Lock { wait: true, .. }));
    assert_eq!(
        p.view().wait,
        Some(RunWait::Lock {
            since_ms: START_MS + 500
        })
    );
}
