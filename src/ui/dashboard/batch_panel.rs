use leptos::prelude::*;

use crate::run::batch::BatchRun;
use crate::run::session::Session;
use crate::ui::widgets::{DataCenterChoice, SignInAgain};

/// Runs setup (unattended) on the selected rows, with a progress bar and aggregated counts.
#[component]
pub fn BatchPanel() -> impl IntoView {
    let session = Session::get();
    let batch = expect_context::<BatchRun>();
    let progress = batch.progress;
    let done = batch.done;
    let count = move || session.selected.with(Vec::len);
    let prompter = batch.prompter();
    let questions = prompter.questions();
    let lock_waits = batch.lock_waits;
    view! {
        <section class="batch" aria-label="Batch run">
            <p class="batch__hint">
                {move || format!("{} selected. ", count())}
                "A batch applies each plan without asking (the data center is asked when it cannot be told) and skips the Work 365 switch guide."
            </p>
            <button
                class="button button--primary"
                data-testid="batch-run"
                disabled=move || count() == 0 || batch.pending().get()
                on:click=move |_| batch.start(session.selected.get())
            >
                {move || format!("Set up {} selected", count())}
            </button>
            <Show when=move || batch.pending().get()>
                <button class="button" data-testid="batch-cancel" on:click=move |_| batch.cancel()>
                    "Cancel batch"
                </button>
            </Show>
            <SignInAgain prompter=prompter.clone() />
            {move || {
                let held = lock_waits.get();
                (!held.is_empty())
                    .then(|| {
                        view! {
                            <section
                                class="batch__note"
                                data-testid="lock-wait"
                                role="status"
                                data-waiting=held.len()
                            >
                                <p>
                                    {format!(
                                        "Another tab of this tool is writing to {}: {} wait for it, then read again before writing anything.",
                                        held
                                            .iter()
                                            .map(|e| e.name.clone())
                                            .collect::<Vec<_>>()
                                            .join(", "),
                                        if held.len() == 1 {
                                            "it".to_owned()
                                        } else {
                                            format!("these {}", held.len())
                                        },
                                    )}
                                </p>
                                <button
                                    class="button"
                                    data-testid="lock-wait-stop"
                                    on:click=move |_| batch.cancel()
                                >
                                    "Stop the batch"
                                </button>
                            </section>
                        }
                    })
            }}
            <For
                each=move || questions.get()
                key=|q| q.id
                children=move |q| {
                    view! { <DataCenterChoice question=q prompter=batch.prompter() /> }
                }
            />
            {move || {
                progress
                    .get()
                    .map(|p| {
                        view! {
                            <div class="batch__progress">
                                <label for="batch-progress">"Batch progress"</label>
                                <progress
                                    id="batch-progress"
                                    data-testid="batch-progress"
                                    data-finished=p.finished
                                    data-total=p.total
                                    max=p.total
                                    value=p.finished
                                >
                                    {format!("{} of {}", p.finished, p.total)}
                                </progress>
                                <p
                                    data-testid="batch-summary"
                                    data-done=move || if done.get() { "true" } else { "false" }
                                >
                                    {format!(
                                        "{} of {} finished: {} configured, {} already configured, {} need a person, {} failed, {} cancelled.",
                                        p.finished,
                                        p.total,
                                        p.configured,
                                        p.already_configured,
                                        p.stopped,
                                        p.failed,
                                        p.cancelled,
                                    )}
                                </p>
                            </div>
                        }
                    })
            }}
        </section>
    }
}
