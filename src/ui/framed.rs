use leptos::prelude::*;

/// What a framed page shows instead of the tool: nothing to click, no sign-in.
#[component]
pub fn Framed() -> impl IntoView {
    let address = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default();
    let address = address
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_owned();
    view! {
        <main class="page">
            <section class="error-panel" role="alert" data-testid="framed">
                <h1 class="error-panel__title">"This tool does not run inside another page"</h1>
                <p class="error-panel__message">
                    "It writes to your Dataverse environments, so it only runs in a tab or window of its own, "
                    "where no other page can cover its buttons. Nothing was signed in and nothing was written. "
                    "Open this address directly in a new tab: "
                    <code>{address}</code>
                </p>
            </section>
        </main>
    }
}
