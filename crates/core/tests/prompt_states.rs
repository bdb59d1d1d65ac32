//! The admin's answers, run sans-IO against the in-memory model: a declined plan writes
//! nothing, and the guide can be skipped, resumed after a reload, or left, each recorded.

mod support;

use support::model::{Model, PORTAL_ROLE, SERVICE_ROLE};
use support::{agree, no_faults, run, stopped, target};
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::assessment::Assessment;
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Command, Input, Options, Outcome, Procedure};

#[test]
fn declining_the_plan_writes_nothing() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), Options::default());
    let (o, t) = run(
        &mut p,
        &mut m,
        no_faults,
        |pr| {
            if matches!(pr, Prompt::ConfirmPlan { .. }) {
                PromptAnswer::Decline
            } else {
                agree(pr)
            }
        },
        true,
    );
    assert!(matches!(stopped(&o), Assessment::NeedsSetup { .. }));
    assert_eq!(t.writes(), 0);
    assert_eq!(p.record().confirmations[0].answer, "decline");
}

#[test]
fn guide_can_be_skipped_and_the_skip_is_recorded() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE]);
    let mut p = Procedure::new(target(), Options::default());
    let (o, _) = run(
        &mut p,
        &mut m,
        no_faults,
        |pr| match pr {
            Prompt::GuideStep { index: 1, .. } => PromptAnswer::Skip,
            other => agree(other),
        },
        true,
    );
    assert!(matches!(o, Outcome::Configured { already: true, .. }));
    let answers: Vec<&str> = p
        .record()
        .confirmations
        .iter()
        .map(|c| c.answer.as_str())
        .collect();
    assert_eq!(answers, ["confirmed", "skip"]);
}

#[test]
fn guide_resumed_after_a_reload_starts_at_the_first_unconfirmed_step() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE]);
    let mut p = Procedure::new(
        target(),
        Options {
            guide_confirmed: 2,
            ..Options::default()
        },
    );
    let mut asked = Vec::new();
    let (o, _) = run(
        &mut p,
        &mut m,
        no_faults,
        |pr| {
            if let Prompt::GuideStep { index, .. } = pr {
                asked.push(*index);
            }
            agree(pr)
        },
        true,
    );
    assert!(matches!(o, Outcome::Configured { already: true, .. }));
    assert_eq!(asked, [2, 3], "only the steps not yet confirmed are asked");
    let answers: Vec<&str> = p
        .record()
        .confirmations
        .iter()
        .map(|c| c.answer.as_str())
        .collect();
    assert_eq!(
        answers,
        [
            "confirmed before a reload",
            "confirmed before a reload",
            "confirmed",
            "confirmed"
        ]
    );
}

#[test]
fn leaving_during_the_guide_ends_configured_not_cancelled() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE]);
    let mut p = Procedure::new(target(), Options::default());
    let first = p.start(0);
    support::run_until(
        &mut p,
        &mut m,
        first,
        |m, r| Ok(m.handle(r)),
        |c, _| {
            matches!(
                c,
                Command::Prompt {
                    prompt: Prompt::GuideStep { index: 1, .. }
                }
            )
        },
    );
    let done = p.handle(Input::Cancel, 1);
    let Command::Done { outcome } = done else {
        panic!("{done:?}")
    };
    assert!(
        matches!(outcome, Outcome::Configured { already: true, .. }),
        "{outcome:?}"
    );
    let answers: Vec<&str> = p
        .record()
        .confirmations
        .iter()
        .map(|c| c.answer.as_str())
        .collect();
    assert_eq!(answers, ["confirmed", "left unconfirmed"]);
}
