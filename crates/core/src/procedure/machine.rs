//! The state machine: what it holds, how an input is routed to the phase it is for, how a run
//! ends, and the snapshot it publishes. The steps themselves live with their phase: `read/`,
//! `decide/`, `write/`, `guide.rs`; sending and waiting in `wire.rs`.

use super::decide::assessment::{Assessment, BlockReason, Plan};
use super::environment_run::{EnvironmentRun, UnexpectedInput, WriteRecord};
use super::prompt::PromptAnswer;
use super::read::inspection::Inspection;
use super::retry::Jitter;
use super::state::{Pending, Phase, Wire};
use super::steps::StepBoard;
use super::target::{Options, Target};
use super::types::{Command, Input, Outcome, ProcedureError};
use super::view::{RunStage, RunView, RunWait};
use super::write::lock::{LockName, LockState};
use crate::dataverse::Dataverse;
use crate::error::Remedy;

/// The state machine for one environment.
#[derive(Debug, Clone)]
pub struct Procedure {
    pub(crate) target: Target,
    pub(crate) options: Options,
    pub(crate) dv: Dataverse,
    pub(crate) phase: Phase,
    pub(crate) wire: Wire,
    /// What the inspection found (the whole run reads it: assessment, evidence, deep link).
    pub(crate) facts: Inspection,
    pub(crate) record: EnvironmentRun,
    pub(crate) lock: LockState,
    pub(crate) board: StepBoard,
}

impl Procedure {
    /// A procedure for one environment; nothing happens until [`Procedure::start`].
    pub fn new(target: Target, options: Options) -> Procedure {
        let dv = Dataverse::new(&target.environment.url);
        let record = EnvironmentRun::empty(
            target.environment.clone(),
            &target.preset.key,
            options.mode.key(),
        );
        Procedure {
            wire: Wire::new(Jitter::for_environment(
                options.seed,
                &target.environment.url,
            )),
            target,
            options,
            dv,
            phase: Phase::NotStarted,
            facts: Inspection::default(),
            record,
            lock: LockState::default(),
            board: StepBoard::not_started(),
        }
    }

    /// The target.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The record so far (complete once [`Command::Done`] was yielded).
    pub fn record(&self) -> &EnvironmentRun {
        &self.record
    }

    /// Takes the record out (e.g. to add it to a [`crate::record::RunRecord`]).
    pub fn into_record(self) -> EnvironmentRun {
        self.record
    }

    /// What inspection found so far.
    pub fn inspection(&self) -> &Inspection {
        &self.facts
    }

    /// The last command yielded, if any.
    pub fn current(&self) -> Option<&Command> {
        self.wire.last.as_ref()
    }

    /// Whether the run is over.
    pub fn is_done(&self) -> bool {
        matches!(self.phase, Phase::Done)
    }

    /// The environment's write lock, as it is asked for.
    pub fn lock_name(&self) -> LockName {
        LockName::for_environment(&self.target.environment)
    }

    /// Starts the run: yields the first batch of reads.
    pub fn start(&mut self, now_ms: u64) -> Command {
        if !matches!(self.phase, Phase::NotStarted) {
            return self.repeat();
        }
        self.record.started_at_ms = now_ms;
        self.board.inspecting();
        if self.target.disabled {
            // A disabled environment's Web API serves nothing: say so without asking it.
            let assessment = Assessment::Blocked {
                reason: BlockReason::EnvironmentDisabled,
                remedy: Remedy::EnableEnvironment,
            };
            self.record.assessment = Some(assessment.clone());
            return self.finish(Outcome::Stopped { assessment }, now_ms);
        }
        self.inspect(now_ms)
    }

    /// Feeds one input; returns the next command. An input that does not fit what the run
    /// waits for (e.g. `Woke` while answers are awaited, an answer no question allows) changes
    /// nothing: the last command is repeated and the record keeps the input
    /// ([`EnvironmentRun::unexpected_inputs`]). A finished run answers everything with its end.
    pub fn handle(&mut self, input: Input, now_ms: u64) -> Command {
        if self.is_done() {
            return self.repeat();
        }
        match (input, self.wire.last.clone()) {
            (Input::CancelBeforeSending, _) => {
                // Nothing of the last command went out: no write of it can be in doubt.
                self.wire.inflight.clear();
                self.cancel(now_ms)
            }
            (Input::Cancel, _) => self.cancel(now_ms),
            (Input::Answers { answers }, Some(Command::Send { .. })) => {
                self.on_answers(answers, now_ms)
            }
            (Input::Woke, Some(Command::WaitUntil { at_ms, .. })) if now_ms >= at_ms => {
                self.resume(now_ms)
            }
            (Input::SignInRenewed, Some(Command::RenewSignIn { .. })) => self.resume(now_ms),
            (Input::SignInFailed { .. }, Some(Command::RenewSignIn { audience })) => {
                self.fail(ProcedureError::SignInExpired { audience }, now_ms)
            }
            (Input::Lock { grant }, Some(Command::Lock { .. })) => self.on_lock(grant, now_ms),
            (Input::Choice { answer }, Some(Command::Prompt { .. })) => {
                self.on_choice(answer, now_ms)
            }
            (input, _) => self.unexpected(&input, now_ms),
        }
    }

    /// The admin's answer, for the question of the phase the run is in.
    fn on_choice(&mut self, answer: PromptAnswer, now_ms: u64) -> Command {
        match (self.take_phase(), answer) {
            (Phase::ChooseDataCenter { options }, PromptAnswer::DataCenter { app_id })
                if options.iter().any(|o| o.app_id == app_id) =>
            {
                self.data_center_chosen(app_id, now_ms)
            }
            (
                Phase::Confirm { work, plan },
                a @ (PromptAnswer::Proceed | PromptAnswer::Decline),
            ) => self.confirmed(work, plan, a == PromptAnswer::Proceed, now_ms),
            (
                Phase::Guide {
                    index,
                    app,
                    evidence,
                },
                a @ (PromptAnswer::Confirmed | PromptAnswer::Skip),
            ) => self.guide_answered(index, app, evidence, a == PromptAnswer::Skip, now_ms),
            (phase, answer) => {
                self.phase = phase;
                self.unexpected(&Input::Choice { answer }, now_ms)
            }
        }
    }

    /// Moves the phase out to work on it; whoever takes it sets the next one (or finishes).
    pub(crate) fn take_phase(&mut self) -> Phase {
        std::mem::replace(&mut self.phase, Phase::Done)
    }

    /// Keeps an input that did not fit, and waits on for what it waited for.
    pub(crate) fn unexpected(&mut self, input: &Input, now_ms: u64) -> Command {
        self.record.unexpected_inputs.push(UnexpectedInput {
            input: input.kind().into(),
            awaited: self
                .wire
                .last
                .as_ref()
                .map_or("start", Command::kind)
                .into(),
            at_ms: now_ms,
        });
        self.repeat()
    }

    pub(crate) fn repeat(&self) -> Command {
        self.wire.last.clone().unwrap_or(Command::Done {
            outcome: Outcome::Cancelled,
        })
    }

    pub(crate) fn emit(&mut self, cmd: Command) -> Command {
        self.wire.last = Some(cmd.clone());
        cmd
    }

    pub(crate) fn finish(&mut self, outcome: Outcome, now_ms: u64) -> Command {
        self.phase = Phase::Done;
        self.wire.inflight.clear();
        self.wire.carry.clear();
        self.record.finished_at_ms = Some(now_ms);
        self.record.inspection = Some(self.facts.clone());
        self.record.outcome = Some(outcome.clone());
        self.board.finish(&self.record);
        self.emit(Command::Done { outcome })
    }

    pub(crate) fn fail(&mut self, error: ProcedureError, now_ms: u64) -> Command {
        self.finish(Outcome::Failed { error }, now_ms)
    }

    /// Stops at once. Writes sent and not answered, or answered in doubt and not re-read yet,
    /// may have taken effect: then the run ends with that said and the remedy to inspect
    /// again (nothing more is sent to find out: the admin asked to stop). A verified run whose
    /// guide is open has done its work: leaving it stops the guide, as a skip does.
    fn cancel(&mut self, now_ms: u64) -> Command {
        let mut writes = match self.take_phase() {
            Phase::Guide {
                index, evidence, ..
            } => return self.guide_left(index, evidence, now_ms),
            Phase::Write(work)
            | Phase::Reread { work, .. }
            | Phase::Lock { work, .. }
            | Phase::Confirm { work, .. } => work.in_doubt,
            _ => Vec::new(),
        };
        let unanswered: Vec<_> = self
            .wire
            .inflight
            .iter()
            .filter(|p| p.purpose.is_write())
            .cloned()
            .collect();
        for p in unanswered {
            self.record_write(
                &p,
                None,
                Some("cancelled before an answer arrived; its effect is unknown".into()),
                now_ms,
            );
            writes.push(p.purpose.label());
        }
        if writes.is_empty() {
            self.finish(Outcome::Cancelled, now_ms)
        } else {
            self.fail(
                ProcedureError::CancelledWithWritesInDoubt { writes },
                now_ms,
            )
        }
    }

    /// Notes in the record a write sent as `p` and how it ended (`status`: its answer's, if one
    /// came; `error`: why it did not succeed).
    pub(crate) fn record_write(
        &mut self,
        p: &Pending,
        status: Option<u16>,
        error: Option<String>,
        now_ms: u64,
    ) {
        self.record.writes.push(WriteRecord {
            method: p.request.method,
            path: self.path_of(&p.request.url),
            status,
            error,
            at_ms: p.sent_at_ms,
            duration_ms: now_ms.saturating_sub(p.sent_at_ms),
        });
    }

    /// A URL as the record keeps it: path and query, without the environment's origin.
    pub(crate) fn path_of(&self, url: &str) -> String {
        url.strip_prefix(&self.dv.origin).unwrap_or(url).to_owned()
    }

    /// A round went out: `exchanges` HTTP exchanges, `batches` of them `$batch`es, and
    /// batching stopped for `refused` (the first reason is kept), as the driver saw it.
    pub fn note_wire(&mut self, exchanges: u32, batches: u32, refused: Option<&str>) {
        let wire = &mut self.record.wire;
        wire.exchanges += exchanges;
        wire.batches += batches;
        if wire.batching_refused.is_none() {
            wire.batching_refused = refused.map(str::to_owned);
        }
    }

    /// The plan is known: the record keeps it and the step list shows its writes.
    pub(crate) fn set_plan(&mut self, plan: Plan) {
        self.board.set_plan(&plan);
        self.record.plan = Some(plan);
    }

    /// A snapshot of the run for a screen: stage, plan, open question, wait, evidence, the
    /// product finding and the steps with their status.
    pub fn view(&self) -> RunView {
        let stage = match &self.phase {
            Phase::NotStarted => RunStage::NotStarted,
            Phase::Inspect(_) => RunStage::Inspect,
            Phase::ChooseDataCenter { .. } => RunStage::ChooseDataCenter,
            Phase::Confirm { .. } => RunStage::ConfirmPlan,
            Phase::Lock { .. } => RunStage::Lock,
            Phase::Write(_) => RunStage::Write,
            Phase::Reread { .. } => RunStage::Verify,
            Phase::Guide { .. } => RunStage::Guide,
            Phase::Done => RunStage::Done,
        };
        let question = match &self.wire.last {
            Some(Command::Prompt { prompt }) if !self.is_done() => Some(prompt.clone()),
            _ => None,
        };
        let wait = match (&self.phase, &self.wire.last) {
            (Phase::Done, _) => None,
            (
                Phase::Lock {
                    waiting_since: Some(since_ms),
                    ..
                },
                _,
            ) => Some(RunWait::Lock {
                since_ms: *since_ms,
            }),
            (_, Some(Command::WaitUntil { at_ms, reason })) => Some(RunWait::Timer {
                until_ms: *at_ms,
                reason: reason.clone(),
            }),
            (_, Some(Command::RenewSignIn { audience })) => Some(RunWait::SignIn {
                audience: audience.clone(),
            }),
            _ => None,
        };
        RunView {
            environment: self.target.environment.clone(),
            mode: self.options.mode,
            stage,
            plan: self.record.plan.clone(),
            question,
            wait,
            evidence: self.record.evidence.clone(),
            product: self.facts.product.clone(),
            steps: self.board.view(),
            outcome: self.record.outcome.clone(),
        }
    }
}
