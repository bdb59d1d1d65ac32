use leptos::prelude::*;
use w365_core::discovery::Instance;
use w365_core::row::RowInfo;

use crate::run::session::RunStart;
use crate::ui::widgets::ConsentUnknownNote;

/// The environment's name and address, what was found of Work 365 (from the row's
/// inspection), the vendor-consent note, and, when the admin chose to resume a stored run,
/// what this run does about it.
#[component]
pub fn EnvironmentHead(
    instance: Instance,
    info: RwSignal<Option<RowInfo>>,
    heading: NodeRef<leptos::html::H2>,
    resume: Option<RunStart>,
    back: Callback<()>,
) -> impl IntoView {
    let tenant = instance.tenant_id.clone();
    view! {
        <div class="environment__head">
            <button class="button" data-testid="back" on:click=move |_| back.run(())>
                "← All environments"
            </button>
            <h2 id="environment-title" tabindex="-1" node_ref=heading>
                {instance.friendly_name.clone()}
            </h2>
            <p class="environment__meta">
                <code>{instance.url.clone()}</code>
                {instance.region.clone().map(|r| format!(" · region {r}"))}
            </p>
            // Which Work 365 was found, and from which solution the version was read.
            {move || {
                info.with(|i| i.as_ref().and_then(|i| i.product.clone()))
                    .map(|p| {
                        view! {
                            <p
                                class="environment__product"
                                data-testid="product"
                                data-verdict=p.verdict.key()
                            >
                                {format!("{}: {}", p.product, p.summary())}
                                {p
                                    .source()
                                    .map(|s| {
                                        view! {
                                            <span data-testid="version-source">
                                                {format!(", read from {s}")}
                                            </span>
                                        }
                                    })}
                            </p>
                            {p
                                .note()
                                .map(|n| {
                                    view! {
                                        <p
                                            class="environment__note environment__version-note"
                                            data-testid="version-note"
                                        >
                                            <span aria-hidden="true">"⚠ "</span>
                                            {n}
                                        </p>
                                    }
                                })}
                        }
                    })
            }}
        </div>
        {move || {
            info.get()
                .map(|i| {
                    view! { <ConsentUnknownNote notes=i.consent_unknown tenant=tenant.clone() /> }
                })
        }}
        {resume
            .map(|r| {
                view! {
                    <p
                        class="environment__note"
                        data-testid="resume-note"
                        role="status"
                        data-plan-confirmed=if r.plan_confirmed { "true" } else { "false" }
                    >
                        {if r.plan_confirmed {
                            "Continuing the run you started before the page closed: inspecting again, then applying what is still missing. Writes already made are not repeated."
                        } else {
                            "Inspecting again the environment a run was working on before the page closed: nothing is written until you confirm the plan."
                        }}
                    </p>
                }
            })}
    }
}
