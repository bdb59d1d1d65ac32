use leptos::prelude::*;

use super::registration_guide::RegistrationGuide;
use super::sign_in::SignInGate;
use super::widgets::ErrorPanel;
use crate::config::AppConfig;

/// The whole page: configuration first, then sign-in, then the environments.
#[component]
pub fn App() -> impl IntoView {
    let config = LocalResource::new(AppConfig::load);
    view! {
        <header class="masthead">
            <h1 class="masthead__title">"Work 365 application user"</h1>
            <p class="masthead__tagline">
                "Move Work 365 off a licensed service account onto its application user — checked at every step."
            </p>
        </header>
        <main class="page">
            {move || match config.get() {
                None => {
                    view! {
                        <p class="page__loading" role="status">
                            "Loading configuration…"
                        </p>
                    }
                        .into_any()
                }
                Some(Err(error)) => {
                    view! {
                        <ErrorPanel
                            title="The tool is not configured correctly"
                            message=error.to_string()
                        />
                    }
                        .into_any()
                }
                Some(Ok(config)) => {
                    match config.client_id.clone() {
                        None => view! { <RegistrationGuide config /> }.into_any(),
                        Some(client_id) => view! { <SignInGate config client_id /> }.into_any(),
                    }
                }
            }}
        </main>
    }
}
