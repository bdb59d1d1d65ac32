use leptos::prelude::*;
use w365_core::procedure::assessment::Plan;

use w365_core::procedure::Step;

/// Undo asks first and names exactly what will change.
#[component]
pub fn UndoConfirm(
    plan: Plan,
    on_proceed: Callback<()>,
    on_decline: Callback<()>,
) -> impl IntoView {
    view! {
        <section
            class="undo-confirm"
            role="alertdialog"
            data-testid="undo-confirm"
            aria-labelledby="undo-title"
            aria-describedby="undo-desc"
        >
            <h3 id="undo-title">"Undo: these changes will be made"</h3>
            <ul id="undo-desc">
                {plan
                    .steps
                    .iter()
                    .map(|w| {
                        view! {
                            <li data-testid="undo-change" data-step=Step::of_write(w).key()>
                                <strong>{Step::of_write(w).label()}</strong>
                                " — "
                                {w.reason()}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <p>
                "Nothing else changes: the application user is not deleted, its other roles stay, and Work 365 keeps whatever service user it is set to — switch it back first if it uses this application user."
            </p>
            <button
                class="button button--danger"
                data-testid="undo-proceed"
                on:click=move |_| on_proceed.run(())
            >
                "Undo these changes"
            </button>
            " "
            <button class="button" data-testid="undo-decline" on:click=move |_| on_decline.run(())>
                "Keep everything"
            </button>
        </section>
    }
}
