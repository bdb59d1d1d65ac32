//! After verification: the vendor's manual switch, step by step, each confirmed by the admin
//! (a reload resumes at the first step not confirmed). Nothing is written here; skipping or
//! leaving ends the run configured, the evidence in hand.

use super::decide::assessment::Evidence;
use super::environment_run::Confirmation;
use super::machine::Procedure;
use super::prompt::Prompt;
use super::state::Phase;
use super::target::Mode;
use super::types::{Command, Outcome};
use crate::ids::AppId;
use crate::preset::WORK365_GUIDE_STEPS;

impl Procedure {
    /// Verified: guide the switch when the preset has one and the admin wants it, else finish.
    pub(crate) fn start_guide_or_finish(
        &mut self,
        app: AppId,
        evidence: Evidence,
        now_ms: u64,
    ) -> Command {
        if !(self.options.guide
            && self.target.preset.has_work365_guide
            && self.options.mode == Mode::Setup)
        {
            return self.finish_configured(evidence, now_ms);
        }
        // Verified, and only the guide follows: no step is left to run.
        self.board.verified();
        let resumed = self.options.guide_confirmed.min(WORK365_GUIDE_STEPS.len());
        for (index, text) in WORK365_GUIDE_STEPS.iter().enumerate().take(resumed) {
            self.record.confirmations.push(Confirmation {
                what: step_name(index, text),
                answer: "confirmed before a reload".into(),
                at_ms: now_ms,
            });
        }
        self.guide_step(resumed, app, evidence, now_ms)
    }

    fn guide_step(&mut self, index: usize, app: AppId, evidence: Evidence, now_ms: u64) -> Command {
        let Some(text) = WORK365_GUIDE_STEPS.get(index) else {
            return self.finish_configured(evidence, now_ms);
        };
        let deep_link = self
            .facts
            .app_module
            .as_ref()
            .map(|m| m.deep_link(&self.dv));
        let prompt = Prompt::GuideStep {
            index,
            total: WORK365_GUIDE_STEPS.len(),
            text: (*text).into(),
            deep_link,
            app_id: app.clone(),
            evidence: Some(Box::new(evidence.clone())),
        };
        self.phase = Phase::Guide {
            index,
            app,
            evidence,
        };
        self.emit(Command::Prompt { prompt })
    }

    /// The admin confirmed step `index` (the next one follows) or skipped the rest.
    pub(crate) fn guide_answered(
        &mut self,
        index: usize,
        app: AppId,
        evidence: Evidence,
        skip: bool,
        now_ms: u64,
    ) -> Command {
        let text = WORK365_GUIDE_STEPS.get(index).copied().unwrap_or_default();
        self.record.confirmations.push(Confirmation {
            what: step_name(index, text),
            answer: if skip { "skip" } else { "confirmed" }.into(),
            at_ms: now_ms,
        });
        if skip {
            self.finish_configured(evidence, now_ms)
        } else {
            self.guide_step(index + 1, app, evidence, now_ms)
        }
    }

    /// The admin left while step `index` was open: the guide stops, the run is configured.
    pub(crate) fn guide_left(&mut self, index: usize, evidence: Evidence, now_ms: u64) -> Command {
        let text = WORK365_GUIDE_STEPS.get(index).copied().unwrap_or_default();
        self.record.confirmations.push(Confirmation {
            what: step_name(index, text),
            answer: "left unconfirmed".into(),
            at_ms: now_ms,
        });
        self.finish_configured(evidence, now_ms)
    }

    /// Ends the run with the user verified (`already` when this run wrote nothing).
    pub(crate) fn finish_configured(&mut self, evidence: Evidence, now_ms: u64) -> Command {
        let already = self.record.successful_writes() == 0;
        self.finish(Outcome::Configured { evidence, already }, now_ms)
    }
}

fn step_name(index: usize, text: &str) -> String {
    format!("guide step {}: {text}", index + 1)
}
