use leptos::prelude::*;

use crate::bridge::msal::{self, AuthError};
use crate::run::prompter::{signed_in_again_everywhere, UiPrompter};
use crate::run::session::Session;

/// When a token could not be renewed silently: every run that needs it waits behind this one
/// button (a batch's environments too), and one sign-in continues them all. The runs belong to
/// the admin who started them: signing in as someone else is refused, and they keep waiting.
/// A sign-in window closed or blocked keeps them waiting too (with the reason); only `cancel`
/// gives a run up.
#[component]
pub fn SignInAgain(prompter: UiPrompter) -> impl IntoView {
    let session = Session::get();
    let renewal = prompter.renewal();
    let failed = RwSignal::new(None::<AuthError>);
    let operator = session.account.get_value();
    let upn = operator.username.clone();
    let sign_in = Action::new_local(move |_: &()| {
        let operator = session.account.get_value();
        async move {
            match msal::sign_in_again_as(&operator).await {
                Ok(_) => {
                    failed.try_set(None);
                    session.announce("Signed in again; the waiting runs continue.");
                    signed_in_again_everywhere();
                }
                Err(error) => {
                    failed.try_set(Some(error));
                }
            }
        }
    });
    Effect::new(move |_| {
        let waiting = renewal.with(Vec::len);
        if waiting > 0 {
            session.announce(format!(
                "Your sign-in needs renewing: {} waiting until you sign in again.",
                runs(waiting)
            ));
        }
    });
    move || {
        let waiting = renewal.get();
        let upn = upn.clone();
        (!waiting.is_empty()).then(|| {
            let n = waiting.len();
            let message = if n == 1 {
                format!(
                    "The token for {} could not be renewed silently. Sign in again as {upn}; the run waits and then continues where it was.",
                    waiting[0]
                )
            } else {
                format!(
                    "Tokens could not be renewed silently. {} wait; sign in again once as {upn} and they all continue where they were.",
                    runs(n)
                )
            };
            view! {
                <section
                    class="error-panel"
                    role="alert"
                    data-testid="sign-in-again-panel"
                    data-waiting=n
                >
                    <h3 class="error-panel__title">"Your sign-in needs renewing"</h3>
                    <p class="error-panel__message">{message}</p>
                    {move || {
                        failed
                            .get()
                            .map(|e| {
                                view! {
                                    <p
                                        class="error-panel__message"
                                        data-testid="sign-in-again-failed"
                                        data-kind=kind_key(&e)
                                    >
                                        {format!(
                                            "That sign-in did not complete: {e}. {}",
                                            e.remedy(),
                                        )}
                                    </p>
                                }
                            })
                    }}
                    <button
                        class="button button--primary"
                        data-testid="sign-in-again"
                        data-waiting=n
                        disabled=move || sign_in.pending().get()
                        on:click=move |_| {
                            sign_in.dispatch(());
                        }
                    >
                        {if n == 1 {
                            "Sign in again".to_owned()
                        } else {
                            format!("Sign in again ({n} environments wait)")
                        }}
                    </button>
                </section>
            }
        })
    }
}

fn runs(n: usize) -> String {
    if n == 1 {
        "1 environment".into()
    } else {
        format!("{n} environments")
    }
}

fn kind_key(e: &AuthError) -> &'static str {
    use crate::bridge::msal::AuthErrorKind as K;
    match e.kind {
        K::WrongAccount => "wrong-account",
        K::Cancelled => "cancelled",
        K::PopupBlocked => "popup-blocked",
        K::InteractionRequired => "interaction-required",
        K::Network => "network",
        K::TenantRequired => "tenant-required",
        K::UnknownTenant => "unknown-tenant",
        K::ConsentDeclined => "consent-declined",
        K::Other => "other",
    }
}
