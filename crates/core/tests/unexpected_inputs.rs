//! An input that does not fit where the run is changes nothing: the run repeats its last
//! command, and the record keeps the input, so a caller's mistake is seen, not swallowed.

mod support;

use support::model::Model;
use support::{run_until, target, START_MS};
use w365_core::ids::AppId;
use w365_core::preset::{WORK365_EU_APP_ID as EU, WORK365_US_APP_ID as US};
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Command, Input, LockGrant, Mode, Options, Procedure};
use w365_core::record::UnexpectedInput;

fn seen(p: &Procedure) -> Vec<(&str, &str)> {
    p.record()
        .unexpected_inputs
        .iter()
        .map(|u| (u.input.as_str(), u.awaited.as_str()))
        .collect()
}

#[test]
fn a_wake_up_while_answers_are_awaited_is_kept_and_the_requests_stand() {
    let mut p = Procedure::new(target(), Options::default());
    let first = p.start(START_MS);
    assert_eq!(p.handle(Input::Woke, START_MS + 1), first);
    assert_eq!(p.handle(Input::SignInRenewed, START_MS + 2), first);
    assert_eq!(seen(&p), [("woke", "send"), ("sign-in-renewed", "send")]);
    assert_eq!(
        p.record().unexpected_inputs[0],
        UnexpectedInput {
            input: "woke".into(),
            awaited: "send".into(),
            at_ms: START_MS + 1
        }
    );
}

#[test]
fn a_data_center_that_was_not_offered_is_refused_and_the_question_stands() {
    let mut m = Model::fresh(US);
    m.consented.push(EU.into());
    let mut p = Procedure::new(target(), Options::default());
    let first = p.start(START_MS);
    let ask = run_until(
        &mut p,
        &mut m,
        first,
        |m, r| Ok(m.handle(r)),
        |c, _| matches!(c, Command::Prompt { .. }),
    );
    assert!(matches!(
        ask,
        Command::Prompt {
            prompt: Prompt::ChooseDataCenter { .. }
        }
    ));
    let stranger = AppId::parse("00000000-0000-0000-0000-0000000000ff").unwrap();
    let again = p.handle(
        Input::Choice {
            answer: PromptAnswer::DataCenter { app_id: stranger },
        },
        START_MS + 1,
    );
    assert_eq!(again, ask);
    // An answer for another question altogether.
    assert_eq!(
        p.handle(
            Input::Choice {
                answer: PromptAnswer::Confirmed
            },
            START_MS + 2
        ),
        ask
    );
    assert_eq!(seen(&p), [("choice", "prompt"), ("choice", "prompt")]);
    assert!(p.record().confirmations.is_empty(), "nothing was chosen");
}

#[test]
fn busy_is_no_answer_to_a_lock_wait() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(
        target(),
        Options {
            write_lock: true,
            ..Options::unattended(Mode::Setup)
        },
    );
    let first = p.start(START_MS);
    run_until(
        &mut p,
        &mut m,
        first,
        |m, r| Ok(m.handle(r)),
        |c, _| matches!(c, Command::Lock { .. }),
    );
    let waiting = p.handle(
        Input::Lock {
            grant: LockGrant::Busy,
        },
        START_MS + 1,
    );
    assert!(matches!(waiting, Command::Lock { wait: true, .. }));
    let busy = Input::Lock {
        grant: LockGrant::Busy,
    };
    assert_eq!(p.handle(busy, START_MS + 2), waiting);
    assert_eq!(seen(&p), [("lock", "lock")]);
}

#[test]
fn a_finished_run_answers_everything_with_its_end_and_keeps_no_more() {
    let mut t = target();
    t.disabled = true;
    let mut p = Procedure::new(t, Options::default());
    let done = p.start(START_MS);
    assert!(matches!(done, Command::Done { .. }));
    assert_eq!(p.handle(Input::Woke, START_MS + 1), done);
    assert_eq!(p.handle(Input::Cancel, START_MS + 2), done);
    assert!(p.record().unexpected_inputs.is_empty());
    let json = serde_json::to_string(p.record()).unwrap();
    assert!(
        !json.contains("unexpected_inputs"),
        "a record without any keeps its shape"
    );
}

#[test]
fn the_report_lists_the_inputs_the_run_could_not_use() {
    let mut p = Procedure::new(target(), Options::default());
    p.start(START_MS);
    p.handle(Input::Woke, START_MS + 1);
    let mut record = w365_core::record::RunRecord::new(
        w365_core::record::Operator {
            upn: "admin@contoso.onmicrosoft.com".into(),
            tenant_id: None,
        },
        "public",
        START_MS,
    );
    record.environments.push(p.into_record());
    let md = record.to_markdown();
    assert!(
        md.contains("### Inputs the run could not use\n\n- `woke` while waiting for `send`"),
        "{md}"
    );
}
