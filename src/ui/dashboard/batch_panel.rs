use std::cell::RefCell;
use std::collections::HashSet;

use leptos::prelude::*;
use w365_core::batch::{run_batch, BatchObserver, BatchProgress};
use w365_core::preset::Preset;
use w365_core::procedure::{Mode, Procedure, Target};
use w365_core::record::{EnvironmentRef, EnvironmentRun};
use w365_core::tenant_reads::TenantReads;

use super::row_status::RowInfo;
use crate::run::clock::BrowserClock;
use crate::run::policy;
use crate::run::prompter::UiPrompter;
use crate::run::store::Slot;
use crate::ui::environment::{DataCenterChoice, SignInAgain};
use crate::ui::session::Session;

/// Environments set up at once in a batch. Each environment is its own Dataverse
/// server, and service protection counts per user per server (52 concurrent requests;
/// one setup sends at most six at once), so this bounds only the browser's own load. A
/// setup is about eleven sequential round trips (inspect, create, assign, verify, with
/// CORS preflights), so each extra wave of environments adds over a second at 100 ms
/// latency: fifty environments go in one wave.
const BATCH_CONCURRENCY: usize = 50;

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
        if let Some(row) = row_of(&self.session, &record.environment) {
            if record.inspection.is_some() {
                row.info.try_set(Some(RowInfo::from_run(&record, None)));
            }
        }
        if let Some(id) = record.environment.id.as_ref().map(ToString::to_string) {
            self.session
                .update_unfinished(Slot::Batch, |r| r.finished.push(id));
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

fn row_of(session: &Session, environment: &EnvironmentRef) -> Option<crate::ui::session::EnvRow> {
    environment
        .id
        .as_ref()
        .and_then(|id| session.row(&id.to_string()))
}

/// Runs setup (unattended) on the selected rows, with a progress bar and aggregated counts.
#[component]
pub fn BatchPanel() -> impl IntoView {
    let session = Session::get();
    let progress = RwSignal::new(None::<BatchProgress>);
    let done = RwSignal::new(false);
    let prompter =
        StoredValue::new_local(UiPrompter::new(Some(session.endpoints.get_value()), None));
    let run = Action::new_local(move |ids: &Vec<String>| {
        let ids = ids.clone();
        let prompter = prompter.get_value();
        async move {
            prompter.reset();
            done.set(false);
            session.start_unfinished(Slot::Batch, Mode::Setup, ids.clone(), None, false);
            let endpoints = session.endpoints.get_value();
            let transport = session.transport.get_value();
            let rows: Vec<_> = ids.iter().filter_map(|id| session.row(id)).collect();
            let procedures = rows
                .iter()
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
                &prompter,
                &sink,
                BATCH_CONCURRENCY,
            )
            .await;
            // The ones that never started (a cancelled batch) are recorded now.
            for record in records {
                sink.keep(record);
            }
            session.end_unfinished(Slot::Batch);
            done.try_set(true);
            session.announce("The batch is finished.");
        }
    });
    // A stored batch the admin chose to continue: the core re-inspects each environment, so
    // what was already written is not written twice.
    Effect::new(move |_| {
        if let Some(ids) = session.resume_batch.get() {
            session.resume_batch.set(None);
            run.dispatch(ids);
        }
    });
    let count = move || session.selected.with(Vec::len);
    let questions = move || prompter.with_value(|p| p.questions().get());
    let lock_waits = move || prompter.with_value(|p| p.lock_waits().get());
    view! {
        <section class="batch" aria-label="Batch run">
            <p class="batch__hint">
                {move || format!("{} selected. ", count())}
                "A batch applies each plan without asking (the data center is asked when it cannot be told) and skips the Work 365 switch guide."
            </p>
            <button class="button button--primary" data-testid="batch-run"
                disabled=move || count() == 0 || run.pending().get()
                on:click=move |_| { run.dispatch(session.selected.get()); }>
                {move || format!("Set up {} selected", count())}
            </button>
            <Show when=move || run.pending().get()>
                <button class="button" data-testid="batch-cancel"
                    on:click=move |_| prompter.with_value(UiPrompter::cancel)>"Cancel batch"</button>
            </Show>
            {move || prompter.with_value(|p| view! { <SignInAgain prompter=p.clone() /> })}
            {move || {
                let held = lock_waits();
                (!held.is_empty()).then(|| view! {
                    <section class="batch__note" data-testid="lock-wait" role="status" data-waiting=held.len()>
                        <p>
                            {format!(
                                "Another tab of this tool is writing to {}: {} wait for it, then read again before writing anything.",
                                held.iter().map(|e| e.name.clone()).collect::<Vec<_>>().join(", "),
                                if held.len() == 1 { "it".to_owned() } else { format!("these {}", held.len()) },
                            )}
                        </p>
                        <button class="button" data-testid="lock-wait-stop"
                            on:click=move |_| prompter.with_value(UiPrompter::cancel)>"Stop the batch"</button>
                    </section>
                })
            }}
            <For each=questions key=|q| q.id children=move |q| {
                let p = prompter.get_value();
                view! { <DataCenterChoice question=q prompter=p /> }
            } />
            {move || progress.get().map(|p| view! {
                <div class="batch__progress">
                    <label for="batch-progress">"Batch progress"</label>
                    <progress id="batch-progress" data-testid="batch-progress"
                        data-finished=p.finished data-total=p.total
                        max=p.total value=p.finished>{format!("{} of {}", p.finished, p.total)}</progress>
                    <p data-testid="batch-summary" data-done=move || if done.get() { "true" } else { "false" }>
                        {format!(
                            "{} of {} finished: {} configured, {} already configured, {} need a person, {} failed, {} cancelled.",
                            p.finished, p.total, p.configured, p.already_configured, p.stopped, p.failed, p.cancelled
                        )}
                    </p>
                </div>
            })}
        </section>
    }
}
