use leptos::prelude::*;

use crate::bridge::msal::{self, AuthError};
use crate::run::prompter::UiPrompter;
use crate::ui::session::Session;

/// When a token could not be renewed silently: the run waits for the admin to sign in again.
/// A sign-in window closed or blocked keeps the run waiting (with the reason), so the admin
/// can try again; only `cancel` gives the run up.
#[component]
pub fn SignInAgain(prompter: UiPrompter) -> impl IntoView {
    let session = Session::get();
    let renewal = prompter.renewal();
    let failed = RwSignal::new(None::<AuthError>);
    let sign_in = Action::new_local(move |_: &()| {
        let prompter = prompter.clone();
        async move {
            match msal::sign_in_with_popup().await {
                Ok(_) => {
                    failed.try_set(None);
                    session.announce("Signed in again; the run continues.");
                    prompter.signed_in_again(Ok(()));
                }
                Err(error) => {
                    failed.try_set(Some(error));
                }
            }
        }
    });
    Effect::new(move |_| {
        if renewal.with(Option::is_some) {
            session.announce("Your sign-in needs renewing: the run waits until you sign in again.");
        }
    });
    move || {
        renewal.get().map(|audience| view! {
            <section class="error-panel" role="alert">
                <h3 class="error-panel__title">"Your sign-in needs renewing"</h3>
                <p class="error-panel__message">
                    {format!("The token for {audience} could not be renewed silently. Sign in again; the run waits and then continues where it was.")}
                </p>
                {move || failed.get().map(|e| view! {
                    <p class="error-panel__message" data-testid="sign-in-again-failed">
                        {format!("That sign-in did not complete: {e}. {}", e.remedy())}
                    </p>
                })}
                <button class="button button--primary" data-testid="sign-in-again"
                    disabled=move || sign_in.pending().get()
                    on:click=move |_| { sign_in.dispatch(()); }>"Sign in again"</button>
            </section>
        })
    }
}
