use leptos::prelude::*;

/// A problem the admin has to know about, with what to do next in `message`.
#[component]
pub fn ErrorPanel(#[prop(into)] title: String, #[prop(into)] message: String) -> impl IntoView {
    view! {
        <section class="error-panel" role="alert" data-testid="error">
            <h2 class="error-panel__title">{title}</h2>
            <p class="error-panel__message">{message}</p>
        </section>
    }
}
