use leptos::prelude::*;
use w365_core::preset::Preset;
use w365_core::procedure::assessment::Plan;

use w365_core::procedure::Step;
use w365_core::row::ServiceAccount;

/// The plan: every write with its reason, and what is left alone. `on_answer` is `Some` while
/// the core waits for the admin to apply or decline.
#[component]
pub fn PlanView(
    plan: Plan,
    service_account: Option<ServiceAccount>,
    #[prop(into)] awaiting: Signal<bool>,
    on_apply: Callback<()>,
    on_decline: Callback<()>,
) -> impl IntoView {
    let roles = Preset::work365().roles.join("” and “");
    let writes = plan.steps.len();
    let has_writes = writes != 0;
    view! {
        <section class="plan" data-testid="plan" data-writes=writes aria-labelledby="plan-title">
            <h3 id="plan-title">
                {if writes == 0 {
                    "Plan: nothing to write".to_owned()
                } else {
                    format!("Plan: {writes} write(s)")
                }}
            </h3>
            {(writes == 0)
                .then(|| {
                    view! {
                        <p>
                            "The application user already exists, is enabled and holds both roles."
                        </p>
                    }
                })}
            <ol class="plan__steps">
                {plan
                    .steps
                    .iter()
                    .map(|w| {
                        view! {
                            <li data-testid="plan-step" data-step=Step::of_write(w).key()>
                                <strong>{Step::of_write(w).label()}</strong>
                                " — "
                                {w.reason()}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
            <h4>"Not touched"</h4>
            <ul class="plan__untouched" data-testid="plan-untouched">
                <li>
                    {match service_account {
                        Some(a) => {
                            format!(
                                "The service account {} keeps its license and roles; you reclaim the license yourself afterwards.",
                                a.name,
                            )
                        }
                        None => {
                            "No licensed service account was found holding the service role."
                                .to_owned()
                        }
                    }}
                </li>
                <li>{format!("Other users, and every role other than “{roles}”.")}</li>
                <li>"Business units and the roles' privileges."</li>
                <li>
                    "Work 365's own settings: you switch its service user yourself, guided afterwards."
                </li>
                <li>"Nothing is deleted."</li>
            </ul>
            <Show when=move || awaiting.get() && has_writes>
                <div class="plan__actions">
                    <button
                        class="button button--primary"
                        data-testid="apply"
                        on:click=move |_| on_apply.run(())
                    >
                        "Apply"
                    </button>
                    <button
                        class="button"
                        data-testid="plan-decline"
                        on:click=move |_| on_decline.run(())
                    >
                        "Do not apply"
                    </button>
                </div>
            </Show>
        </section>
    }
}
