//! The run as the core publishes it: every request's step, and the snapshot ([`RunView`]) a
//! screen renders — stage, plan, question, wait, evidence and the steps with their status,
//! computed from what the procedure sent and what came back.

mod support;

use support::model::{Model, PORTAL_ROLE, SERVICE_ROLE};
use support::{agree, answer_with_fault, is_create, run_until, target, Fault, START_MS};
use w365_core::http::{HttpResponse, Method};
use w365_core::preset::{WORK365_PORTAL_ROLE, WORK365_SERVICE_ROLE, WORK365_US_APP_ID as US};
use w365_core::procedure::prompt::Prompt;
use w365_core::procedure::{
    Answer, Command, Input, Mode, Options, Outcome, Procedure, ProcedureError, RunStage, RunView,
    RunWait, Step, StepStatus, WaitReason,
};

fn keys(view: &RunView) -> Vec<String> {
    view.steps.iter().map(|s| s.step.key()).collect()
}

fn statuses(view: &RunView) -> Vec<StepStatus> {
    view.steps.iter().map(|s| s.status).collect()
}

fn sent(cmd: &Command) -> Vec<(Method, Step)> {
    match cmd {
        Command::Send { requests } => requests
            .iter()
            .map(|o| (o.request.method, o.step.clone()))
            .collect(),
        other => panic!("expected Send, got {other:?}"),
    }
}

fn assign(role: &str) -> Step {
    Step::Assign { role: role.into() }
}

fn is_plan(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::Prompt {
            prompt: Prompt::ConfirmPlan { .. }
        }
    )
}

/// A confirmed setup of a fresh environment, stopped at the plan.
fn at_the_plan(model: &mut Model) -> (Procedure, Command) {
    let mut p = Procedure::new(target(), Options::default());
    let first = p.start(START_MS);
    assert_eq!(p.view().stage, RunStage::Inspect);
    assert_eq!(keys(&p.view()), ["inspect"]);
    assert_eq!(statuses(&p.view()), [StepStatus::Running]);
    assert!(sent(&first).iter().all(|(_, s)| *s == Step::Inspect));
    let cmd = run_until(
        &mut p,
        model,
        first,
        |m, r| Ok(m.handle(r)),
        |c, _| is_plan(c),
    );
    (p, cmd)
}

#[test]
fn a_new_procedure_has_not_started_and_shows_inspect_pending() {
    let p = Procedure::new(target(), Options::default());
    let view = p.view();
    assert_eq!(view.stage, RunStage::NotStarted);
    assert_eq!(keys(&view), ["inspect"]);
    assert_eq!(statuses(&view), [StepStatus::Pending]);
    assert_eq!(
        (view.plan, view.question, view.wait, view.outcome),
        (None, None, None, None)
    );
}

#[test]
fn steps_follow_the_writes_and_settle_from_the_read_back() {
    let mut m = Model::fresh(US);
    let (mut p, cmd) = at_the_plan(&mut m);
    let view = p.view();
    assert_eq!(view.stage, RunStage::ConfirmPlan);
    assert!(matches!(view.question, Some(Prompt::ConfirmPlan { .. })));
    assert_eq!(view.plan.as_ref().map(|p| p.steps.len()), Some(3));
    assert_eq!(
        keys(&view),
        [
            "inspect".to_owned(),
            "create".into(),
            format!("assign:{WORK365_SERVICE_ROLE}"),
            format!("assign:{WORK365_PORTAL_ROLE}"),
            "verify".into(),
        ]
    );
    use StepStatus::*;
    assert_eq!(statuses(&view), [Done, Pending, Pending, Pending, Pending]);
    assert!(view.product.is_some(), "the product finding is published");

    // Apply: the create goes out alone and is running while it is on its way.
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
    assert_eq!(p.view().stage, RunStage::Write);
    assert_eq!(p.view().question, None);
    assert_eq!(
        statuses(&p.view()),
        [Done, Running, Pending, Pending, Pending]
    );

    // Accepted, but without the new id: the user is read back (verification running), and
    // meanwhile someone assigned the service role.
    let Command::Send { requests } = &cmd else {
        unreachable!()
    };
    let created = m.handle(&requests[0].request);
    assert!(created.is_success());
    let id = m.app_users(US)[0].id.clone();
    let answers = vec![Answer {
        id: requests[0].id,
        result: Ok(HttpResponse::empty(204)),
    }];
    let cmd = p.handle(Input::Answers { answers }, START_MS + 200);
    assert_eq!(sent(&cmd), [(Method::Get, Step::Verify)]);
    assert_eq!(statuses(&p.view()), [Done, Done, Pending, Pending, Running]);
    assert_eq!(p.view().stage, RunStage::Verify);
    if let Some(u) = m.users.iter_mut().find(|u| u.id == id) {
        u.roles.push(SERVICE_ROLE.into());
    }

    // Only the portal role is left: it runs while the service role's step stays pending.
    let cmd = run_until(
        &mut p,
        &mut m,
        cmd,
        |m, r| Ok(m.handle(r)),
        |c, _| matches!(c, Command::Send { requests } if requests.iter().any(|o| o.step.is_write())),
    );
    assert_eq!(sent(&cmd), [(Method::Post, assign(WORK365_PORTAL_ROLE))]);
    assert_eq!(statuses(&p.view()), [Done, Done, Pending, Running, Running]);

    // The assignment is made but its answer is lost: it stays running until the read-back.
    let Command::Send { requests } = &cmd else {
        unreachable!()
    };
    let answers = vec![Answer {
        id: requests[0].id,
        result: answer_with_fault(&mut m, &requests[0].request, Fault::DropAfter),
    }];
    let cmd = p.handle(Input::Answers { answers }, START_MS + 300);
    assert_eq!(sent(&cmd), [(Method::Get, Step::Verify)]);
    assert_eq!(statuses(&p.view()), [Done, Done, Pending, Running, Running]);

    // Verified: the guide opens; the service role was never needed.
    let cmd = run_until(
        &mut p,
        &mut m,
        cmd,
        |m, r| Ok(m.handle(r)),
        |c, _| {
            matches!(
                c,
                Command::Prompt {
                    prompt: Prompt::GuideStep { .. }
                }
            )
        },
    );
    let view = p.view();
    assert_eq!(statuses(&view), [Done, Done, Skipped, Done, Done]);
    assert_eq!(view.stage, RunStage::Guide);
    assert!(
        matches!(view.question, Some(Prompt::GuideStep { index: 0, .. })),
        "{cmd:?}"
    );
    let evidence = view.evidence.expect("the read-back is published");
    assert!(evidence.enabled && evidence.missing_roles.is_empty());
}

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
fn a_disabled_environment_skips_inspect() {
    let mut t = target();
    t.disabled = true;
    let mut p = Procedure::new(t, Options::default());
    let done = p.start(START_MS);
    assert!(matches!(done, Command::Done { .. }));
    assert_eq!(statuses(&p.view()), [StepStatus::Skipped]);
}

#[test]
fn a_disabled_user_is_enabled_alone_and_its_roles_follow_each_with_its_step() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, true, &[]);
    let mut p = Procedure::new(target(), Options::unattended(Mode::Setup));
    let first = p.start(START_MS);
    let cmd = run_until(
        &mut p,
        &mut m,
        first,
        |m, r| Ok(m.handle(r)),
        |c, _| matches!(c, Command::Send { requests } if requests.iter().any(|o| o.step.is_write())),
    );
    assert_eq!(sent(&cmd), [(Method::Patch, Step::Enable)]);
    let view = p.view();
    assert_eq!(
        view.status_of(&format!("assign:{WORK365_PORTAL_ROLE}")),
        Some(StepStatus::Pending)
    );
    assert_eq!(view.status_of("enable"), Some(StepStatus::Running));
    let cmd = run_until(
        &mut p,
        &mut m,
        cmd,
        |m, r| Ok(m.handle(r)),
        |c, _| matches!(c, Command::Send { requests } if requests.iter().any(|o| o.step != Step::Enable && o.step.is_write())),
    );
    let mut writes = sent(&cmd);
    writes.sort_by_key(|(_, s)| s.key());
    assert_eq!(
        writes,
        [
            (Method::Post, assign(WORK365_PORTAL_ROLE)),
            (Method::Post, assign(WORK365_SERVICE_ROLE)),
        ]
    );
    assert_eq!(p.view().status_of("enable"), Some(StepStatus::Done));
    let done = run_until(
        &mut p,
        &mut m,
        cmd,
        |m, r| Ok(m.handle(r)),
        |c, _| matches!(c, Command::Done { .. }),
    );
    assert!(matches!(
        done,
        Command::Done {
            outcome: Outcome::Configured { .. }
        }
    ));
    assert!(statuses(&p.view()).iter().all(|s| *s == StepStatus::Done));
}

#[test]
fn undo_steps_remove_each_role_then_disable() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE]);
    let mut p = Procedure::new(target(), Options::unattended(Mode::Undo));
    let first = p.start(START_MS);
    let done = run_until(
        &mut p,
        &mut m,
        first,
        |m, r| Ok(m.handle(r)),
        |c, _| matches!(c, Command::Done { .. }),
    );
    assert!(matches!(
        done,
        Command::Done {
            outcome: Outcome::Undone { .. }
        }
    ));
    let view = p.view();
    assert_eq!(
        keys(&view),
        [
            "inspect".to_owned(),
            format!("remove:{WORK365_SERVICE_ROLE}"),
            format!("remove:{WORK365_PORTAL_ROLE}"),
            "disable".into(),
            "verify".into(),
        ]
    );
    assert!(statuses(&view).iter().all(|s| *s == StepStatus::Done));
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

#[test]
fn every_outgoing_request_names_its_step() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), Options::unattended(Mode::Setup));
    let mut cmd = p.start(START_MS);
    let mut seen = Vec::new();
    cmd = run_until(
        &mut p,
        &mut m,
        cmd,
        |m, r| Ok(m.handle(r)),
        |c, _| {
            if let Command::Send { requests } = c {
                for o in requests {
                    let expected = match (o.request.method, is_create(&o.request)) {
                        (Method::Get, _) => None,
                        (Method::Post, true) => Some(Step::Create),
                        (Method::Post, false) => Some(Step::Assign {
                            role: if o
                                .request
                                .body_text()
                                .unwrap_or_default()
                                .contains(PORTAL_ROLE)
                            {
                                WORK365_PORTAL_ROLE.into()
                            } else {
                                WORK365_SERVICE_ROLE.into()
                            },
                        }),
                        other => panic!("unexpected {other:?}"),
                    };
                    if let Some(step) = expected {
                        assert_eq!(o.step, step);
                    } else {
                        assert!(matches!(o.step, Step::Inspect | Step::Verify));
                    }
                    seen.push(o.step.key());
                }
            }
            matches!(c, Command::Done { .. })
        },
    );
    assert!(matches!(
        cmd,
        Command::Done {
            outcome: Outcome::Configured { .. }
        }
    ));
    assert_eq!(seen.iter().filter(|k| *k == "verify").count(), 1);
    assert!(seen.contains(&"create".to_owned()));
}
