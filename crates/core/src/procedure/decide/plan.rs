//! The verdict for the chosen data center and what follows: stop (with why), guide a
//! configured user, or plan the writes and ask the admin to confirm them.

use super::assess::{self, AssessContext, Decision};
use super::assessment::{Assessment, Plan};
use crate::ids::AppId;
use crate::procedure::environment_run::Confirmation;
use crate::procedure::machine::Procedure;
use crate::procedure::prompt::Prompt;
use crate::procedure::state::{Job, Phase, Work};
use crate::procedure::target::Mode;
use crate::procedure::types::{Command, Outcome};

impl Procedure {
    /// Assesses the environment for `app` and goes on from the verdict.
    pub(crate) fn assess_and_go(&mut self, app: AppId, now_ms: u64) -> Command {
        self.record.data_center = Some(app.clone());
        if self.options.mode == Mode::Undo {
            return self.undo_start(app, now_ms);
        }
        self.facts.product = assess::product_finding(&self.target.preset, &self.facts);
        let decision = assess::assess(
            &AssessContext {
                preset: &self.target.preset,
                app: &app,
                endpoints: &self.target.endpoints,
                tenant: self.target.tenant_id.as_ref(),
                now_ms,
            },
            &self.facts,
        );
        let assessment = decision.assessment();
        self.record.assessment = Some(assessment.clone());
        match decision {
            Decision::Stop(assessment) => self.finish(Outcome::Stopped { assessment }, now_ms),
            Decision::Configured(evidence) => {
                self.record.evidence = Some(evidence.clone());
                self.set_plan(Plan::default());
                self.start_guide_or_finish(app, evidence, now_ms)
            }
            Decision::Setup {
                plan,
                root,
                roles,
                user,
            } => {
                self.set_plan(plan.clone());
                let work = Work::new(app, Job::Setup { root, roles }, user);
                if self.options.mode == Mode::Assess {
                    self.finish(Outcome::Stopped { assessment }, now_ms)
                } else if self.options.confirm_plan {
                    self.ask_to_confirm(work, plan)
                } else {
                    self.next_writes(work, now_ms)
                }
            }
        }
    }

    /// Asks the admin to confirm `plan` (the setup's or the undo's).
    pub(crate) fn ask_to_confirm(&mut self, work: Work, plan: Plan) -> Command {
        let prompt = if work.is_undo() {
            Prompt::ConfirmUndo { plan: plan.clone() }
        } else {
            Prompt::ConfirmPlan { plan: plan.clone() }
        };
        self.phase = Phase::Confirm { work, plan };
        self.emit(Command::Prompt { prompt })
    }

    /// The admin's answer to the plan (or the undo): write, or stop having written nothing.
    pub(crate) fn confirmed(
        &mut self,
        work: Work,
        plan: Plan,
        proceed: bool,
        now_ms: u64,
    ) -> Command {
        let (what, answer) = match (proceed, work.is_undo()) {
            (true, _) => ("apply the plan", "proceed"),
            (false, false) => ("apply the plan", "decline"),
            (false, true) => ("undo", "decline"),
        };
        self.record.confirmations.push(Confirmation {
            what: what.into(),
            answer: answer.into(),
            at_ms: now_ms,
        });
        match (proceed, work.is_undo()) {
            (true, _) => self.next_writes(work, now_ms),
            (false, false) => self.finish(
                Outcome::Stopped {
                    assessment: Assessment::NeedsSetup { plan },
                },
                now_ms,
            ),
            (false, true) => self.finish(Outcome::Cancelled, now_ms),
        }
    }
}
