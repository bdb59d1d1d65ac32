use leptos::prelude::*;

use crate::bridge::files;
use crate::run::session::Session;

/// Download the session's run record as JSON or Markdown, or copy it.
#[component]
pub fn ReportBar() -> impl IntoView {
    let session = Session::get();
    let note = RwSignal::new(None::<String>);
    let runs = move || session.saved.with(|s| s.run_count());
    // A write the tab's storage refused (full: its few MiB are shared with the sign-in's
    // cache, or blocked): the run goes on, but a reload would not resume all of it.
    let save_failed = move || {
        session
            .saved
            .with(|s| s.save_failed().map(ToString::to_string))
    };
    let save = move |name: &'static str, mime: &'static str, markdown: bool| {
        move |_| {
            let text = session.saved.with_untracked(|s| {
                if markdown {
                    s.report_markdown()
                } else {
                    s.report_json()
                }
            });
            note.set(Some(match files::download(name, mime, &text) {
                Ok(()) => format!("Saved {name}."),
                Err(e) => e,
            }));
        }
    };
    let copy = Action::new_local(move |_: &()| {
        let text = session.saved.with_untracked(|s| s.report_markdown());
        async move {
            let result = files::copy(&text).await;
            note.try_set(Some(match result {
                Ok(()) => "The Markdown report is on the clipboard.".into(),
                Err(e) => e,
            }));
        }
    });
    view! {
        <section class="report" aria-labelledby="report-title">
            <h2 id="report-title" class="report__title">
                "Report"
            </h2>
            <p class="report__hint">
                {move || format!("{} run(s) recorded in this session (never a token).", runs())}
            </p>
            <div class="report__actions">
                <button
                    class="button"
                    data-testid="report-json"
                    disabled=move || runs() == 0
                    on:click=save("w365-appuser-run.json", "application/json", false)
                >
                    "Download JSON"
                </button>
                <button
                    class="button"
                    data-testid="report-md"
                    disabled=move || runs() == 0
                    on:click=save("w365-appuser-run.md", "text/markdown", true)
                >
                    "Download Markdown"
                </button>
                <button
                    class="button"
                    data-testid="report-copy"
                    disabled=move || runs() == 0
                    on:click=move |_| {
                        copy.dispatch(());
                    }
                >
                    "Copy Markdown"
                </button>
            </div>
            <Show when=move || save_failed().is_some()>
                <p class="report__save-failed" role="alert" data-testid="save-failed">
                    {move || {
                        format!(
                            "This tab can no longer keep the runs' progress for a reload: the browser's storage refused it ({}). The runs go on: finish them in this tab without reloading or closing it, and download the report before you leave. A reload would not offer to resume what was not kept.",
                            save_failed().unwrap_or_default(),
                        )
                    }}
                </p>
            </Show>
            <p class="report__note" role="status">
                {move || note.get()}
            </p>
        </section>
    }
}
