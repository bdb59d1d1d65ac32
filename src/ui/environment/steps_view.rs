use leptos::prelude::*;

use crate::run::steps::StepBoard;

/// The run's steps with their live status (text and icon).
#[component]
pub fn StepsView(#[prop(into)] board: Signal<StepBoard>) -> impl IntoView {
    view! {
        <ol class="steps" data-testid="steps" aria-label="Steps">
            {move || board.with(|b| b.steps.iter().map(|s| view! {
                <li class=format!("steps__item steps__item--{}", s.status.key())
                    data-testid="step" data-step=s.key.clone() data-status=s.status.key()>
                    <span class="steps__icon" aria-hidden="true">{s.status.icon()}</span>
                    <span class="steps__label">{s.label.clone()}</span>
                    <span class="steps__status">{s.status.key()}</span>
                </li>
            }).collect_view())}
        </ol>
    }
}
