//! The batch: setup, unattended, on the selected environments at once. It belongs to the
//! workspace, not to the dashboard's panel, so it goes on (and is shown again) when the admin
//! opens an environment meanwhile; it is cancelled when the workspace goes.

use std::cell::RefCell;
use std::collections::HashSet;

use leptos::prelude::*;
use w365_core::batch::{run_batch, BatchObserver, BatchProgress};
use w365_core::ids::EnvironmentId;
use w365_core::preset::Preset;
use w365_core::procedure::{Mode, Procedure, RunView, RunWait, Target};
use w365_core::record::{EnvironmentRef, EnvironmentRun};
use w365_core::tenant_reads::TenantReads;

use super::clock::BrowserClock;
use super::policy;
use super::prompter::UiPrompter;
use super::session::Session;
use super::store::Slot;
use w365_core::row::RowInfo;

/// Environments set up at once in a batch (a run sleeping through a `Retry-After` gives its
/// place to the next, `w365_core::slots`). Each environment is its own Dataverse
/// server, and service protection counts per user per server (52 concurrent requests;
/// one setup sends at most six at once), so this bounds only the browser's own load. A
/// setup is about eleven sequential round trips (inspect, create, assign, verify, with
/// CORS preflights), so each extra wave of environments adds over a second at 100 ms
/// latency: fifty environments go in one wave.
const BATCH_CONCURRENCY: usize = 50;

/// The page's batch: its progress, and the prompter its runs ask (a data center, a sign-in
/// again, a lock held by another tab). Provided as context by the workspace.
#[derive(Clone, Copy)]
pub struct BatchRun {
    /// `None` until a batch has started.
    pub progress: RwSignal<Option<BatchProgress>>,
    /// The last batch is over.
    pub done: RwSignal<bool>,
    /// Environments waiting for another tab to give their write lock back, as their runs'
    /// snapshots say (`RunWait::Lock`).
    pub lock_waits: RwSignal<Vec<EnvironmentRef>>,
    prompter: StoredValue<UiPrompter, LocalStorage>,
    run: Action<Vec<EnvironmentId>, ()>,
}

impl BatchRun {
    /// The workspace's batch (none running yet).
    pub fn new(session: Session) -> BatchRun {
        let progress = RwSignal::new(None::<BatchProgress>);
        let done = RwSignal::new(false);
        let lock_waits = RwSignal::new(Vec::<EnvironmentRef>::new());
        let on_view = move |view: &RunView| note_lock_wait(lock_waits, view);
        let prompter = StoredValue::new_local(UiPrompter::new(
            Some(session.endpoints.get_value()),
            Some(Box::new(on_view)),
        ));
        let run = Action::new_local(move |ids: &Vec<EnvironmentId>| {
            let ids = ids.clone();
            let prompter = prompter.get_value();
            async move {
                prompter.reset();
                done.set(false);
                lock_waits.set(Vec::new());
                run_setup(session, &ids, &prompter, progress).await;
                done.try_set(true);
                session.announce("The batch is finished.");
            }
        });
        BatchRun {
            progress,
            done,
            lock_waits,
            prompter,
            run,
        }
    }

    /// Sets up `ids` (the core re-inspects each first, so what was already written is not
    /// written twice).
    pub fn start(&self, ids: Vec<EnvironmentId>) {
        self.run.dispatch(ids);
    }

    /// Whether a batch is running (reactive).
    pub fn pending(&self) -> Memo<bool> {
        self.run.pending()
    }

    /// Stops the batch at once: nothing new starts, running ones stop where they are.
    pub fn cancel(&self) {
        self.prompter.with_value(UiPrompter::cancel);
    }

    /// The prompter the batch's runs ask.
    pub fn prompter(&self) -> UiPrompter {
        self.prompter.get_value()
    }
}

/// Keeps `view`'s environment in `waits` exactly while its run waits for another tab's lock;
/// the signal changes only when that does (a batch publishes fifty snapshots at a time).
pub fn note_lock_wait(waits: RwSignal<Vec<EnvironmentRef>>, view: &RunView) {
    let waiting = matches!(view.wait, Some(RunWait::Lock { .. }));
    let listed = waits
        .try_with_untracked(|w| w.contains(&view.environment))
        .unwrap_or(waiting);
    if waiting && !listed {
        waits.try_update(|w| w.push(view.environment.clone()));
    } else if listed && !waiting {
        waits.try_update(|w| w.retain(|e| *e != view.environment));
    }
}

/// Runs setup on `ids` and keeps each record as it finishes.
async fn run_setup(
    session: Session,
    ids: &[EnvironmentId],
    prompter: &UiPrompter,
    progress: RwSignal<Option<BatchProgress>>,
) {
    session.start_unfinished(Slot::Batch, Mode::Setup, ids, None, false);
    let endpoints = session.endpoints.get_value();
    let transport = session.transport.get_value();
    let procedures = ids
        .iter()
        .filter_map(|id| session.row(id))
        .map(|r| {
            Procedure::new(
                Target::from_instance(&r.instance, Preset::work365(), endpoints.clone()),
                policy::unattended(Mode::Setup),
            )
        })
        .collect();
    let sink = ProgressSink {
        progress,
        session,
        kept: RefCell::default(),
    };
    // Graph's answers are the tenant's: the batch asks each once.
    let transport = TenantReads::new(transport, &[&endpoints.graph]);
    let records = run_batch(
        procedures,
        &transport,
        &BrowserClock,
        prompter,
        &sink,
        BATCH_CONCURRENCY,
    )
    .await;
    // The ones that never started (a cancelled batch) are recorded now.
    for record in records {
        sink.keep(record);
    }
    session.end_unfinished(Slot::Batch);
}

struct ProgressSink {
    progress: RwSignal<Option<BatchProgress>>,
    session: Session,
    /// Environments whose record is already kept (by URL, which discovery makes unique).
    kept: RefCell<HashSet<String>>,
}

impl ProgressSink {
    /// Shows the environment's new state in its row and keeps its record, so a reload from
    /// here on resumes only what had not finished.
    fn keep(&self, record: EnvironmentRun) {
        if !self
            .kept
            .borrow_mut()
            .insert(record.environment.url.clone())
        {
            return;
        }
        if let Some(id) = record.environment.id.as_ref() {
            if let Some(row) = self.session.row(id) {
                if record.inspection.is_some() {
                    row.info
                        .try_set(Some(RowInfo::from_run(&record, &Preset::work365(), None)));
                }
            }
            let id = id.to_string();
            self.session.finished_in(Slot::Batch, id);
        }
        self.session.add_run(record);
    }
}

impl BatchObserver for ProgressSink {
    fn batch_progress(&self, p: &BatchProgress) {
        self.progress.try_set(Some(p.clone()));
        self.session
            .announce(format!("Batch: {} of {} finished.", p.finished, p.total));
    }

    fn environment_finished(&self, record: &EnvironmentRun) {
        self.keep(record.clone());
    }
}
