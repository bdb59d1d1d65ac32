use leptos::prelude::*;
use leptos::task::spawn_local;

use super::error_panel::ErrorPanel;
use super::workspace::Workspace;
use crate::auth::{current_page_url, msal_config};
use crate::bridge::msal::{self, Account, AuthError};
use crate::config::AppConfig;
use crate::run::store;

#[derive(Clone)]
enum SignIn {
    /// MSAL is starting, or a silent sign-in is being tried.
    Checking,
    /// Nobody is signed in; the error says why the last attempt failed, if one did.
    SignedOut(Option<AuthError>),
    SignedIn(Account),
}

/// Signs the admin in (silently when their Microsoft session allows, otherwise
/// through Microsoft's sign-in window) and then shows the environments.
#[component]
pub fn SignInGate(config: AppConfig, client_id: String) -> impl IntoView {
    let state = RwSignal::new(SignIn::Checking);
    let msal = msal_config(&config, &client_id, &current_page_url());

    spawn_local(async move {
        let next = match msal::init(&msal).await {
            Ok(Some(account)) => SignIn::SignedIn(account),
            // The admin is usually signed in to Microsoft already: try that first.
            Ok(None) => match msal::sign_in_silently(None).await {
                Ok(account) => SignIn::SignedIn(account),
                Err(_) => SignIn::SignedOut(None),
            },
            Err(error) => SignIn::SignedOut(Some(error)),
        };
        state.try_set(next);
    });

    let sign_in = Action::new_local(|_: &()| msal::sign_in_with_popup());
    Effect::new(move |_| {
        if let Some(result) = sign_in.value().get() {
            state.set(match result {
                Ok(account) => SignIn::SignedIn(account),
                Err(error) => SignIn::SignedOut(Some(error)),
            });
        }
    });
    let sign_out = move |_| {
        spawn_local(async move {
            let _ = msal::sign_out().await;
            // The run record belongs to this sign-in; the next one starts afresh.
            store::clear();
            state.try_set(SignIn::SignedOut(None));
        });
    };

    let cloud_key = config.cloud.key();
    let cloud_label = format!(
        "Cloud: {} — sign-in at {}",
        config.cloud.label(),
        config.endpoints.authority
    );
    move || {
        match state.get() {
        SignIn::Checking => view! {
            <p class="page__loading" role="status">"Checking your Microsoft sign-in…"</p>
        }
        .into_any(),
        SignIn::SignedOut(error) => view! {
            <section class="sign-in" aria-labelledby="sign-in-title">
                <h2 id="sign-in-title">"Sign in"</h2>
                <p>
                    "Sign in with an account that is System Administrator in the environments to switch. "
                    "You will be asked once to allow access to Dataverse and to read the tenant's enterprise applications."
                </p>
                <p class="sign-in__cloud" data-testid="cloud" data-cloud=cloud_key>{cloud_label.clone()}</p>
                {error.map(|e| view! { <ErrorPanel title="Sign-in did not complete" message=format!("{e}. {}", e.remedy()) /> })}
                <button
                    class="button button--primary"
                    data-testid="sign-in"
                    disabled=move || sign_in.pending().get()
                    on:click=move |_| { sign_in.dispatch(()); }
                >
                    {move || if sign_in.pending().get() { "Signing in…" } else { "Sign in with Microsoft" }}
                </button>
            </section>
        }
        .into_any(),
        SignIn::SignedIn(account) => view! {
            <div class="session">
                <p class="session__who" data-testid="signed-in-as">
                    "Signed in as " <strong>{account.name.clone()}</strong> " (" {account.username.clone()} ")"
                </p>
                <p class="session__cloud" data-testid="cloud" data-cloud=cloud_key>{cloud_label.clone()}</p>
                <button class="button" data-testid="sign-out" on:click=sign_out>"Sign out"</button>
            </div>
            <Workspace account config=config.clone() />
        }
        .into_any(),
    }
    }
}
