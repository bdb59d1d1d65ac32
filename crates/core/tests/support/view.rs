//! Reading the core's [`RunView`] in tests (`run_view.rs`, `run_view_stops_and_waits.rs`): its
//! step keys and statuses, the steps a command sends, and a setup stopped at the plan.

use super::model::Model;
use super::{run_until, target, START_MS};
use w365_core::http::Method;
use w365_core::procedure::prompt::Prompt;
use w365_core::procedure::{Command, Options, Procedure, RunStage, RunView, Step, StepStatus};

/// The key of every step, in order.
pub fn keys(view: &RunView) -> Vec<String> {
    view.steps.iter().map(|s| s.step.key()).collect()
}

/// The status of every step, in order.
pub fn statuses(view: &RunView) -> Vec<StepStatus> {
    view.steps.iter().map(|s| s.status).collect()
}

/// What a `Send` sends: each request's method and step.
pub fn sent(cmd: &Command) -> Vec<(Method, Step)> {
    match cmd {
        Command::Send { requests } => requests
            .iter()
            .map(|o| (o.request.method, o.step.clone()))
            .collect(),
        other => panic!("expected Send, got {other:?}"),
    }
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
pub fn at_the_plan(model: &mut Model) -> (Procedure, Command) {
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
