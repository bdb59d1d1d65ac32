use leptos::prelude::*;
use w365_core::procedure::StepView;

/// The run's steps with their live status (text and icon), as the core publishes them.
#[component]
pub fn StepsView(#[prop(into)] steps: Signal<Vec<StepView>>) -> impl IntoView {
    view! {
        <ol class="steps" data-testid="steps" aria-label="Steps">
            {move || {
                steps
                    .with(|steps| {
                        steps
                            .iter()
                            .map(|s| {
                                let status = s.status.key();
                                view! {
                                    <li
                                        class=format!("steps__item steps__item--{status}")
                                        data-testid="step"
                                        data-step=s.step.key()
                                        data-status=status
                                    >
                                        <span class="steps__icon" aria-hidden="true">
                                            {s.status.icon()}
                                        </span>
                                        <span class="steps__label">{s.step.label()}</span>
                                        <span class="steps__status">{status}</span>
                                    </li>
                                }
                            })
                            .collect_view()
                    })
            }}
        </ol>
    }
}
