use leptos::prelude::*;
use w365_core::preset::WORK365_GUIDE_STEPS;
use w365_core::procedure::prompt::Prompt;

/// Where the guide stands.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuideState {
    /// Steps confirmed.
    pub confirmed: usize,
    /// The admin stopped guiding.
    pub skipped: bool,
    /// The open guide prompt (question id and prompt), if the core is waiting.
    pub open: Option<(u32, Prompt)>,
}

/// The manual Work 365 switch as a checklist with the deep link and confirmations.
#[component]
pub fn GuideView(
    #[prop(into)] state: Signal<GuideState>,
    on_confirm: Callback<u32>,
    on_skip: Callback<u32>,
) -> impl IntoView {
    let link = move || {
        state.with(|s| match &s.open {
            Some((_, Prompt::GuideStep { deep_link, .. })) => deep_link.clone(),
            _ => None,
        })
    };
    let app_id = move || {
        state.with(|s| match &s.open {
            Some((_, Prompt::GuideStep { app_id, .. })) => Some(app_id.to_string()),
            _ => None,
        })
    };
    view! {
        <section class="guide" data-testid="guide" aria-labelledby="guide-title">
            <h3 id="guide-title">"Switch Work 365 to the application user"</h3>
            <p>
                "Work 365 has no API for this switch: do it in Dynamics, and confirm each step here."
            </p>
            {move || {
                link()
                    .map(|href| {
                        view! {
                            <p>
                                <a
                                    class="button"
                                    data-testid="guide-link"
                                    href=href
                                    target="_blank"
                                    rel="noopener noreferrer"
                                >
                                    "Open Work 365 in this environment ↗"
                                </a>
                            </p>
                        }
                    })
            }}
            <ol class="guide__steps">
                {move || {
                    state
                        .with(|s| {
                            WORK365_GUIDE_STEPS
                                .iter()
                                .enumerate()
                                .map(|(i, text)| {
                                    let status = if i < s.confirmed {
                                        "done"
                                    } else if s.skipped {
                                        "skipped"
                                    } else if s.open.is_some() && i == s.confirmed {
                                        "current"
                                    } else {
                                        "pending"
                                    };
                                    let icon = match status {
                                        "done" => "✓",
                                        "current" => "▶",
                                        "skipped" => "–",
                                        _ => "○",
                                    };
                                    view! {
                                        <li
                                            data-testid="guide-step"
                                            data-status=status
                                            class=format!("guide__step guide__step--{status}")
                                            aria-current=(status == "current").then_some("step")
                                        >
                                            <span aria-hidden="true">{icon}" "</span>
                                            {*text}
                                            <span class="visually-hidden">
                                                {format!(" ({status})")}
                                            </span>
                                        </li>
                                    }
                                })
                                .collect_view()
                        })
                }}
            </ol>
            {move || {
                app_id()
                    .map(|id| {
                        view! {
                            <p>
                                "The application id to expect in the last step: " <code>{id}</code>
                            </p>
                        }
                    })
            }}
            {move || {
                state
                    .with(|s| s.open.as_ref().map(|(id, _)| *id))
                    .map(|id| {
                        view! {
                            <div class="guide__actions">
                                <button
                                    class="button button--primary"
                                    data-testid="guide-confirm"
                                    on:click=move |_| on_confirm.run(id)
                                >
                                    "Done — next step"
                                </button>
                                " "
                                <button
                                    class="button"
                                    data-testid="guide-skip"
                                    on:click=move |_| on_skip.run(id)
                                >
                                    "Stop guiding"
                                </button>
                            </div>
                        }
                    })
            }}
        </section>
    }
}
