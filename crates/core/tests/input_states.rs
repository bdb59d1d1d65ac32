//! The machine's inputs, run sans-IO: a cancel ends the run at once, inputs that do not fit
//! change nothing, unanswered requests count as dropped, and commands, prompts and records
//! survive a round trip through JSON.

mod support;

use support::model::Model;
use support::{agree, answer_with_fault, no_faults, run, target, unattended, Fault};
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::prompt::PromptAnswer;
use w365_core::procedure::{Answer, Command, Input, Options, Outcome, Procedure, WaitReason};

#[test]
fn cancel_stops_before_any_further_request() {
    let mut p = Procedure::new(target(), unattended());
    p.start(0);
    let cmd = p.handle(Input::Cancel, 5);
    assert_eq!(
        cmd,
        Command::Done {
            outcome: Outcome::Cancelled
        }
    );
    assert_eq!(
        p.handle(Input::Woke, 6),
        cmd,
        "a finished run repeats its end"
    );
}

#[test]
fn inputs_that_do_not_fit_repeat_the_last_command() {
    let mut p = Procedure::new(target(), unattended());
    let first = p.start(0);
    assert_eq!(p.handle(Input::Woke, 1), first);
    assert_eq!(p.handle(Input::SignInRenewed, 1), first);
    assert_eq!(
        p.handle(
            Input::Choice {
                answer: PromptAnswer::Proceed
            },
            1
        ),
        first
    );
    assert_eq!(p.start(2), first);
}

#[test]
fn unanswered_requests_count_as_dropped_and_reads_are_retried() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let Command::Send { requests } = p.start(0) else {
        panic!()
    };
    // Answer all but the first.
    let answers = requests[1..]
        .iter()
        .map(|o| Answer {
            id: o.id,
            result: answer_with_fault(&mut m, &o.request, Fault::None),
        })
        .collect();
    let cmd = p.handle(Input::Answers { answers }, 10);
    assert!(
        matches!(
            cmd,
            Command::WaitUntil {
                reason: WaitReason::Backoff { attempt: 1 },
                ..
            }
        ),
        "{cmd:?}"
    );
    let Command::Send { requests } = p.handle(Input::Woke, 100_000) else {
        panic!()
    };
    assert_eq!(requests.len(), 1);
    assert!(requests[0].request.url.ends_with("WhoAmI"));
}

#[test]
fn commands_prompts_and_records_round_trip_through_json() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), Options::default());
    let (_, t) = run(&mut p, &mut m, no_faults, agree, true);
    for c in &t.commands {
        let s = serde_json::to_string(c).unwrap();
        assert_eq!(&serde_json::from_str::<Command>(&s).unwrap(), c);
    }
    let mut run_record = w365_core::record::RunRecord::new(
        w365_core::record::Operator {
            upn: "admin@contoso.onmicrosoft.com".into(),
            tenant_id: None,
        },
        "public",
        0,
    );
    run_record.environments.push(p.record().clone());
    let back = w365_core::record::RunRecord::from_json(&run_record.to_json()).unwrap();
    assert_eq!(back, run_record);
    let md = run_record.to_markdown();
    assert!(
        md.contains("configured and verified")
            && md.contains("| POST |")
            && md.contains("admin@contoso.onmicrosoft.com"),
        "{md}"
    );
}
