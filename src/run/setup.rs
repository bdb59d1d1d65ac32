//! One environment's setup or undo, as the environment view runs it: it starts on opening (a
//! setup only reads until the admin applies its plan), publishes the core's snapshot of the run
//! ([`RunView`]) after every command, and ends with the run's record, kept in the session and
//! shown in the environment's dashboard row.

use leptos::prelude::*;
use w365_core::driver::drive;
use w365_core::ids::{AppId, EnvironmentId};
use w365_core::preset::Preset;
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{
    Mode, Options, Outcome, Procedure, RunView, RunWait, Target, WaitReason,
};
use w365_core::record::EnvironmentRun;
use w365_core::row::RowInfo;

use super::clock::BrowserClock;
use super::guide_progress;
use super::policy;
use super::prompter::UiPrompter;
use super::session::{EnvRow, RunEnd, RunStart, Session};
use super::store::Slot;

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunRequest {
    /// Setup or undo.
    pub mode: Mode,
    /// A data center already chosen (not asked again).
    pub data_center: Option<AppId>,
    /// The plan is already confirmed (not asked again).
    pub plan_confirmed: bool,
    /// Guide steps the admin already confirmed (before a reload).
    pub guide_confirmed: usize,
}

impl RunRequest {
    /// A run that inspects first and asks before it writes.
    pub fn fresh(mode: Mode) -> RunRequest {
        RunRequest {
            mode,
            data_center: None,
            plan_confirmed: false,
            guide_confirmed: 0,
        }
    }

    /// The run to start on opening `id`: a fresh setup, or the one the admin chose to resume.
    pub fn on_opening(id: &EnvironmentId, resume: Option<&RunStart>) -> RunRequest {
        match resume {
            Some(r) => RunRequest {
                mode: r.mode,
                data_center: r.data_center.clone(),
                plan_confirmed: r.plan_confirmed,
                // The guide resumes at the first step not yet confirmed.
                guide_confirmed: if r.mode == Mode::Setup {
                    guide_progress::confirmed(id)
                } else {
                    0
                },
            },
            None => RunRequest::fresh(Mode::Setup),
        }
    }
}

/// The environment view's run: its live snapshot, the admin's progress through the guide, and
/// its record once it ended. Cheap to copy; dropped with the view, whose cleanup cancels it.
#[derive(Clone, Copy)]
pub struct SetupRun {
    /// The core's snapshot, after every command (`None` before the first run starts).
    pub view: RwSignal<Option<RunView>>,
    /// Setup or undo, known as soon as the run is asked for.
    pub mode: RwSignal<Mode>,
    /// Guide steps the admin confirmed in this page.
    pub guide_confirmed: RwSignal<usize>,
    /// The admin stopped guiding.
    pub guide_skipped: RwSignal<bool>,
    /// The run's record, once it ended.
    pub finished: RwSignal<Option<EnvironmentRun>>,
    prompter: StoredValue<UiPrompter, LocalStorage>,
    action: Action<RunRequest, ()>,
}

impl SetupRun {
    /// The run of `row`'s environment (none started yet).
    pub fn new(session: Session, row: EnvRow) -> SetupRun {
        let view = RwSignal::new(None::<RunView>);
        let on_view = move |next: &RunView| {
            let said = view
                .try_with_untracked(|prev| announcement(prev.as_ref(), next))
                .flatten();
            if let Some(text) = said {
                session.announce(text);
            }
            view.try_set(Some(next.clone()));
        };
        let prompter =
            UiPrompter::new(Some(session.endpoints.get_value()), Some(Box::new(on_view)));
        let mode = RwSignal::new(Mode::Setup);
        let guide_confirmed = RwSignal::new(0);
        let guide_skipped = RwSignal::new(false);
        let finished = RwSignal::new(None::<EnvironmentRun>);
        let stored = StoredValue::new_local(prompter);
        let action = Action::new_local(move |request: &RunRequest| {
            let request = request.clone();
            let prompter = stored.get_value();
            let row = row.clone();
            async move {
                prompter.reset();
                mode.set(request.mode);
                view.set(None);
                finished.set(None);
                guide_confirmed.set(0);
                guide_skipped.set(false);
                if request.guide_confirmed == 0 {
                    guide_progress::clear();
                }
                let record = run(session, &row, &request, &prompter, view).await;
                end(session, &row, request.mode, &record);
                finished.try_set(Some(record));
            }
        });
        SetupRun {
            view,
            mode,
            guide_confirmed,
            guide_skipped,
            finished,
            prompter: stored,
            action,
        }
    }

    /// Starts a run (after the last one ended).
    pub fn start(&self, request: RunRequest) {
        self.action.dispatch(request);
    }

    /// Whether a run is going on (reactive).
    pub fn pending(&self) -> Memo<bool> {
        self.action.pending()
    }

    /// The prompter the run asks (questions, sign-in again).
    pub fn prompter(&self) -> UiPrompter {
        self.prompter.get_value()
    }

    /// Answers the open question `id`.
    pub fn answer(&self, id: u32, answer: PromptAnswer) {
        self.prompter.with_value(|p| p.answer(id, answer));
    }

    /// Stops the run at once: the request in flight is aborted and nothing more is sent.
    pub fn cancel(&self) {
        self.prompter.with_value(UiPrompter::cancel);
    }
}

/// Drives the procedure to its end and returns its record; the snapshot goes to `view`.
async fn run(
    session: Session,
    row: &EnvRow,
    request: &RunRequest,
    prompter: &UiPrompter,
    view: RwSignal<Option<RunView>>,
) -> EnvironmentRun {
    session.start_unfinished(
        Slot::View,
        request.mode,
        std::slice::from_ref(row.id()),
        request.data_center.clone(),
        request.plan_confirmed,
    );
    let endpoints = session.endpoints.get_value();
    let mut target = Target::from_instance(&row.instance, Preset::work365(), endpoints);
    target.data_center = request.data_center.clone();
    let options = Options {
        confirm_plan: !request.plan_confirmed,
        guide_confirmed: request.guide_confirmed,
        ..policy::options(request.mode)
    };
    let mut machine = Procedure::new(target, options);
    let transport = session.transport.get_value();
    drive(&mut machine, &transport, &BrowserClock, prompter).await;
    // The last snapshot, settled from the record (also when the run was cancelled).
    view.try_set(Some(machine.view()));
    machine.into_record()
}

/// What the page does with a run that ended: the row shows it, the session keeps it.
fn end(session: Session, row: &EnvRow, mode: Mode, record: &EnvironmentRun) {
    let cancelled = matches!(record.outcome, Some(Outcome::Cancelled));
    if !cancelled && record.inspection.is_some() {
        row.info
            .try_set(Some(RowInfo::from_run(record, &Preset::work365(), None)));
    }
    // Also when the admin went back (which cancels): the row shows how it ended.
    row.last_run.try_set(RunEnd::of(record, mode));
    guide_progress::clear();
    if let Some(o) = &record.outcome {
        session.announce(format!("Finished: {}.", o.summary()));
    }
    session.end_unfinished(Slot::View);
    session.add_run(record.clone());
}

/// What to tell a screen reader when the run's snapshot moves from `prev` to `next`: a new
/// question, a new wait for throttling, another tab's lock.
pub fn announcement(prev: Option<&RunView>, next: &RunView) -> Option<String> {
    let prev_wait = prev.and_then(|p| p.wait.as_ref());
    match &next.wait {
        Some(RunWait::Lock { .. }) if !matches!(prev_wait, Some(RunWait::Lock { .. })) => {
            return Some(
                "Another tab of this tool is writing to this environment: this run waits for it, then reads the environment again."
                    .into(),
            );
        }
        Some(RunWait::Timer {
            reason: WaitReason::Throttled { retry_after_s },
            ..
        }) if prev_wait != next.wait.as_ref() => {
            return Some(format!(
                "Throttled by Dataverse; continuing in {retry_after_s} seconds."
            ));
        }
        _ => {}
    }
    if prev.and_then(|p| p.question.as_ref()) == next.question.as_ref() {
        return None;
    }
    match next.question.as_ref()? {
        Prompt::ConfirmPlan { plan } | Prompt::ConfirmUndo { plan } => {
            Some(format!("The plan is ready: {} write(s).", plan.steps.len()))
        }
        Prompt::GuideStep { index, total, .. } => Some(format!(
            "Verified. Switch Work 365: step {} of {total}.",
            index + 1
        )),
        Prompt::ChooseDataCenter { .. } => Some("Choose the data center to continue.".into()),
    }
}
