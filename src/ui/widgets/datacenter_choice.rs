use leptos::prelude::*;
use w365_core::graph::Consent;
use w365_core::ids::AppId;
use w365_core::procedure::prompt::{Prompt, PromptAnswer};

use crate::run::prompter::{Question, UiPrompter};

/// The core asks which data center the tenant uses; shows what it saw about each.
#[component]
pub fn DataCenterChoice(
    question: Question,
    prompter: UiPrompter,
    #[prop(optional)] on_chosen: Option<Callback<AppId>>,
) -> impl IntoView {
    let Prompt::ChooseDataCenter { options } = question.prompt.clone() else {
        return ().into_any();
    };
    let chosen = RwSignal::new(options.first().map(|o| o.key.clone()).unwrap_or_default());
    let select_id = format!("datacenter-{}", question.id);
    let choose = {
        let options = options.clone();
        move |_| {
            if let Some(o) = options.iter().find(|o| o.key == chosen.get_untracked()) {
                if let Some(cb) = on_chosen {
                    cb.run(o.app_id.clone());
                }
                prompter.answer(
                    question.id,
                    PromptAnswer::DataCenter {
                        app_id: o.app_id.clone(),
                    },
                );
            }
        }
    };
    let title_id = format!("{select_id}-title");
    let labelled_by = title_id.clone();
    let select_for = select_id.clone();
    view! {
        <section class="choice" aria-labelledby=labelled_by>
            <h3 id=title_id class="choice__title">
                {format!("Which Work 365 data center does {} use?", question.environment.name)}
            </h3>
            <p>
                "The environment does not tell: no application user exists yet, and consent does not single one out. Your Work 365 subscription says which."
            </p>
            <ul class="choice__facts">
                {options
                    .iter()
                    .map(|o| {
                        view! {
                            <li>
                                <strong>{o.label.clone()}</strong>
                                " (app "
                                <code>{o.app_id.to_string()}</code>
                                "): "
                                {match &o.consent {
                                    Some(Consent::Present { .. }) => "consented in the tenant",
                                    Some(Consent::Absent) => "not consented in the tenant",
                                    _ => "consent unknown",
                                }}
                                {if o.has_app_user { "; an application user exists" } else { "" }}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <label for=select_for>"Data center"</label>
            " "
            <select
                id=select_id
                data-testid="datacenter"
                on:change=move |ev| chosen.set(event_target_value(&ev))
            >
                {options
                    .iter()
                    .map(|o| view! { <option value=o.key.clone()>{o.label.clone()}</option> })
                    .collect_view()}
            </select>
            " "
            <button
                class="button button--primary"
                data-testid="datacenter-continue"
                on:click=choose
            >
                "Continue"
            </button>
        </section>
    }
    .into_any()
}
