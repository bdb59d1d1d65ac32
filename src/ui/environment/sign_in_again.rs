use leptos::prelude::*;

use crate::bridge::msal;
use crate::run::prompter::UiPrompter;

/// When a token could not be renewed silently: the run waits for the admin to sign in again.
#[component]
pub fn SignInAgain(prompter: UiPrompter) -> impl IntoView {
    let renewal = prompter.renewal();
    let sign_in = Action::new_local(move |_: &()| {
        let prompter = prompter.clone();
        async move {
            let result = msal::sign_in_with_popup().await;
            prompter.signed_in_again(result.map(|_| ()).map_err(|e| e.to_string()));
        }
    });
    move || {
        renewal.get().map(|audience| view! {
            <section class="error-panel" role="alert">
                <h3 class="error-panel__title">"Your sign-in needs renewing"</h3>
                <p class="error-panel__message">
                    {format!("The token for {audience} could not be renewed silently. Sign in again; the run waits and then continues where it was.")}
                </p>
                <button class="button button--primary" data-testid="sign-in-again"
                    disabled=move || sign_in.pending().get()
                    on:click=move |_| { sign_in.dispatch(()); }>"Sign in again"</button>
            </section>
        })
    }
}
