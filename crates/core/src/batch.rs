//! Many environments at once: bounded concurrency, independent runs, aggregated progress,
//! cancellation. One environment's failure never stops another.

use crate::driver::{drive, Prompter, Sleeper};
use crate::http::HttpClient;
use crate::procedure::{Input, Outcome, Procedure};
use crate::record::{EnvironmentRef, EnvironmentRun};
use crate::slots::Slots;
use serde::{Deserialize, Serialize};
use std::cell::RefCell;

/// How many environments run at the same time by default.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Where a batch stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchProgress {
    /// Environments in the batch.
    pub total: usize,
    /// Finished, whatever the outcome.
    pub finished: usize,
    /// Configured by this run.
    pub configured: usize,
    /// Already configured before.
    pub already_configured: usize,
    /// Stopped at the assessment (needs a person).
    pub stopped: usize,
    /// Failed with an error.
    pub failed: usize,
    /// Cancelled, or never started because of a cancel.
    pub cancelled: usize,
    /// Undone.
    pub undone: usize,
    /// Running now.
    pub running: Vec<EnvironmentRef>,
}

impl BatchProgress {
    fn count(&mut self, outcome: Option<&Outcome>) {
        self.finished += 1;
        match outcome {
            Some(Outcome::Configured { already: true, .. }) => self.already_configured += 1,
            Some(Outcome::Configured { already: false, .. }) => self.configured += 1,
            Some(Outcome::Stopped { .. }) => self.stopped += 1,
            Some(Outcome::Failed { .. }) | None => self.failed += 1,
            Some(Outcome::Cancelled) => self.cancelled += 1,
            Some(Outcome::Undone { .. }) => self.undone += 1,
        }
    }
}

/// Receives batch progress (in addition to the per-command progress of [`Prompter`]).
pub trait BatchObserver {
    /// Called whenever an environment starts or finishes.
    fn batch_progress(&self, progress: &BatchProgress);

    /// Called with each environment's record as soon as it finishes (before the progress
    /// that counts it), so a dashboard can show the row's new state while others still run.
    fn environment_finished(&self, _record: &EnvironmentRun) {}
}

impl BatchObserver for () {
    fn batch_progress(&self, _: &BatchProgress) {}
}

/// Runs every procedure, at most `concurrency` active at once (0 means [`DEFAULT_CONCURRENCY`];
/// a run sleeping through a `Retry-After` is not active, see [`crate::slots`]);
/// returns the records in the input order. Once the admin cancels, no further environment
/// starts, and running ones stop at once when the prompter's [`Prompter::cancelled`] resolves
/// (before their next request when it only answers [`Prompter::is_cancelled`]).
pub async fn run_batch<C, S, P, O>(
    procedures: Vec<Procedure>,
    client: &C,
    sleeper: &S,
    prompts: &P,
    observer: &O,
    concurrency: usize,
) -> Vec<EnvironmentRun>
where
    C: HttpClient,
    S: Sleeper,
    P: Prompter,
    O: BatchObserver,
{
    let limit = if concurrency == 0 {
        DEFAULT_CONCURRENCY
    } else {
        concurrency
    };
    let progress = RefCell::new(BatchProgress {
        total: procedures.len(),
        ..BatchProgress::default()
    });
    let mut results: Vec<Option<EnvironmentRun>> = vec![None; procedures.len()];
    // A run sleeping through a Retry-After gives its slot to the next environment.
    let slots = Slots::new(limit);
    let never_started = slots
        .run(
            procedures.into_iter().enumerate(),
            |(_, p)| {
                if prompts.is_cancelled() {
                    return false;
                }
                let mut progress = progress.borrow_mut();
                progress.running.push(p.target().environment.clone());
                observer.batch_progress(&progress);
                true
            },
            |(i, mut p): (usize, Procedure)| {
                let prompts = slots.prompter(prompts);
                async move {
                    drive(&mut p, client, sleeper, &prompts).await;
                    (i, p.into_record())
                }
            },
            |(i, record)| {
                let mut progress = progress.borrow_mut();
                progress.running.retain(|e| e != &record.environment);
                observer.environment_finished(&record);
                progress.count(record.outcome.as_ref());
                results[i] = Some(record);
                observer.batch_progress(&progress);
            },
        )
        .await;
    // Whatever never started is recorded as cancelled, so the report lists every environment.
    let mut progress = progress.into_inner();
    for (i, mut p) in never_started {
        p.handle(Input::Cancel, sleeper.now_ms());
        progress.count(Some(&Outcome::Cancelled));
        results[i] = Some(p.into_record());
    }
    observer.batch_progress(&progress);
    results.into_iter().flatten().collect()
}
