//! The run's step list, moved along by what the procedure sends and what comes back, and
//! settled from the record when the run ends.
//!
//! The list is `inspect`, then — once the plan is known — one step per planned write, then
//! `verify`. A write is `running` from the moment it is sent and `done` once the service
//! accepted it; a doubtful answer leaves it `running` until a read-back decides. The rules at
//! the end (what a failure, a cancel or a proof does to each step) are those the app's step
//! list followed before the core published them.

use super::decide::assessment::{Plan, PlannedWrite};
use super::environment_run::EnvironmentRun;
use super::purpose::Purpose;
use super::step::{Step, StepStatus};
use super::types::{Outcome, ProcedureError};
use super::view::StepView;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    step: Step,
    status: StepStatus,
    /// The planned write this step carries out (`None` for inspect and verify).
    write: Option<PlannedWrite>,
}

/// Where each step of one run stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StepBoard {
    lines: Vec<Line>,
    planned: bool,
    /// A write went out: a read from now on is the read-back.
    writing: bool,
}

impl StepBoard {
    /// Before the run starts: nothing asked yet.
    pub(crate) fn not_started() -> StepBoard {
        StepBoard {
            lines: vec![Line {
                step: Step::Inspect,
                status: StepStatus::Pending,
                write: None,
            }],
            ..StepBoard::default()
        }
    }

    /// The run has started reading.
    pub(crate) fn inspecting(&mut self) {
        self.set(&Step::Inspect, StepStatus::Running);
    }

    /// The steps as published.
    pub(crate) fn view(&self) -> Vec<StepView> {
        self.lines
            .iter()
            .map(|l| StepView {
                step: l.step.clone(),
                status: l.status,
            })
            .collect()
    }

    /// Inspection is over and this is the plan: its writes, then verify (once per run).
    pub(crate) fn set_plan(&mut self, plan: &Plan) {
        if self.planned {
            return;
        }
        self.planned = true;
        self.set(&Step::Inspect, StepStatus::Done);
        for w in &plan.steps {
            self.lines.push(Line {
                step: Step::of_write(w),
                status: StepStatus::Pending,
                write: Some(w.clone()),
            });
        }
        self.lines.push(Line {
            step: Step::Verify,
            status: StepStatus::Pending,
            write: None,
        });
    }

    fn set(&mut self, step: &Step, status: StepStatus) {
        if let Some(l) = self.lines.iter_mut().find(|l| &l.step == step) {
            l.status = status;
        }
    }

    fn line_of(&mut self, purpose: &Purpose) -> Option<&mut Line> {
        self.lines
            .iter_mut()
            .find(|l| l.write.as_ref().is_some_and(|w| purpose.carries(w)))
    }

    /// A request goes out.
    pub(crate) fn on_sent(&mut self, purpose: &Purpose) {
        if !self.planned {
            return;
        }
        if !purpose.is_write() {
            // A read after writes is the re-read of the user: verification.
            if self.writing {
                self.set(&Step::Verify, StepStatus::Running);
            }
            return;
        }
        self.writing = true;
        if let Some(l) = self.line_of(purpose) {
            l.status = StepStatus::Running;
        }
    }

    /// A request was answered (`None`: no answer). Only an accepted write is settled here; a
    /// doubtful answer stays running until the re-read decides.
    pub(crate) fn on_answered(&mut self, purpose: &Purpose, status: Option<u16>) {
        if !purpose.is_write() || !status.is_some_and(|s| (200..300).contains(&s)) {
            return;
        }
        if let Some(l) = self.line_of(purpose) {
            l.status = StepStatus::Done;
        }
    }

    /// The user was read back and found right: every write took effect or was not needed.
    pub(crate) fn verified(&mut self) {
        for l in &mut self.lines {
            l.status = match l.status {
                StepStatus::Done | StepStatus::Skipped | StepStatus::Failed => l.status,
                _ if l.write.is_none() => StepStatus::Done,
                StepStatus::Running => StepStatus::Done,
                _ => StepStatus::Skipped,
            };
        }
    }

    /// The run is over: settle every step from its record.
    pub(crate) fn finish(&mut self, run: &EnvironmentRun) {
        if let (false, Some(plan)) = (self.planned, &run.plan) {
            self.set_plan(plan);
        }
        let outcome = run.outcome.as_ref();
        let proven = matches!(
            outcome,
            Some(Outcome::Configured { .. } | Outcome::Undone { .. })
        );
        if proven {
            self.verified();
            return;
        }
        let failed = matches!(outcome, Some(Outcome::Failed { .. }));
        // Cancelled with writes on their way: those were neither refused nor proven.
        let in_doubt = matches!(
            outcome,
            Some(Outcome::Failed {
                error: ProcedureError::CancelledWithWritesInDoubt { .. }
            })
        );
        let cancelled = matches!(outcome, Some(Outcome::Cancelled) | None);
        if failed && !self.lines.iter().any(|l| l.status == StepStatus::Running) {
            // Nothing in flight: the failure belongs to the stage the run was in.
            let stage = if self.planned {
                Step::Verify
            } else {
                Step::Inspect
            };
            self.set(&stage, StepStatus::Running);
        }
        // Stopped without asking anything (a disabled environment): nothing was inspected.
        let asked = run.requests > 0;
        for l in &mut self.lines {
            let inspect = l.step == Step::Inspect;
            l.status = match l.status {
                StepStatus::Done
                | StepStatus::Skipped
                | StepStatus::Failed
                | StepStatus::Unknown => l.status,
                _ if inspect && !asked && !failed => StepStatus::Skipped,
                StepStatus::Running if failed && in_doubt && l.write.is_some() => {
                    StepStatus::Unknown
                }
                StepStatus::Running if failed => StepStatus::Failed,
                _ if inspect && !cancelled => StepStatus::Done,
                _ => StepStatus::Skipped,
            };
        }
    }
}
