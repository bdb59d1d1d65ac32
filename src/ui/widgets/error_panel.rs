use leptos::prelude::*;

/// A problem the admin has to know about, with what to do next in `message` and, when the
/// remedy is a page to open (e.g. the admin-consent link), that `link`.
#[component]
pub fn ErrorPanel(
    #[prop(into)] title: String,
    #[prop(into)] message: String,
    #[prop(optional_no_strip)] link: Option<String>,
) -> impl IntoView {
    view! {
        <section class="error-panel" role="alert" data-testid="error">
            <h2 class="error-panel__title">{title}</h2>
            <p class="error-panel__message">{message}</p>
            {link
                .map(|href| {
                    view! {
                        <p>
                            <a
                                data-testid="consent-link"
                                href=href
                                target="_blank"
                                rel="noopener noreferrer"
                            >
                                "Open the link ↗"
                            </a>
                        </p>
                    }
                })}
        </section>
    }
}
