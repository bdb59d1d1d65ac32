use leptos::prelude::*;
use leptos::task::spawn_local;
use w365_core::cloud::Cloud;

use super::cloud_picker::CloudPicker;
use super::error_panel::ErrorPanel;
use super::workspace_loader::{self, WorkspaceLoader};
use crate::auth::{current_page_url, msal_config};
use crate::bridge::msal::{self, Account, AuthError, AuthErrorKind};
use crate::config::AppConfig;
use crate::run::{guide_progress, store};
use crate::{cloud_choice, csp, login_hint};

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
///
/// Tokens live only in the page's memory, so after a reload the page signs in again silently
/// with the last sign-in's username as the hint (`login_hint`), and shows the sign-in button
/// when Microsoft wants the admin.
///
/// When `config.json` lets the admin choose the cloud, the sign-in screen offers the choice;
/// the silent attempt is made only for a cloud chosen earlier in this session, never guessed.
#[component]
pub fn SignInGate(config: AppConfig, client_id: String) -> impl IntoView {
    let state = RwSignal::new(SignIn::Checking);
    let choosable = !config.choices.is_empty();
    let remembered = cloud_choice::remembered(&config.choices);
    let silent_first = !choosable || remembered.is_some();
    let cloud = RwSignal::new(remembered.unwrap_or_else(|| config.cloud.clone()));
    let choices = config.choices.clone();
    let config = StoredValue::new(config);
    let client_id = StoredValue::new(client_id);
    // The cloud MSAL is set up for (its key), so a new choice sets it up again.
    let msal_cloud = StoredValue::new(None::<&'static str>);
    // A fixed cloud's policy was added when config.json was read.
    let narrowed = StoredValue::new(!choosable);

    let start_msal = move |chosen: Cloud| async move {
        let settings = msal_config(
            &config.with_value(|c| c.with_cloud(chosen.clone())),
            &client_id.get_value(),
            &current_page_url(),
        );
        let account = msal::init(&settings).await?;
        msal_cloud.set_value(Some(chosen.key()));
        Ok::<_, AuthError>(account)
    };
    let signed_in = move |account: Account| {
        if !narrowed.get_value() {
            // Signed in to the chosen cloud: from now on the browser refuses every other
            // host, and a reload signs in to the same cloud.
            let chosen = cloud.get_untracked();
            cloud_choice::remember(&chosen);
            csp::restrict_to(&chosen);
            narrowed.set_value(true);
        }
        login_hint::remember(&account.username);
        state.try_set(SignIn::SignedIn(account));
    };

    spawn_local(async move {
        let next = match start_msal(cloud.get_untracked()).await {
            Ok(Some(account)) => return signed_in(account),
            // The admin is usually signed in to Microsoft already: try that first.
            Ok(None) if silent_first => {
                match msal::sign_in_silently(login_hint::remembered().as_deref()).await {
                    Ok(account) => return signed_in(account),
                    // A configuration Entra refuses is said at once; anything else (no
                    // session, a prompt needed) just leaves the sign-in button.
                    Err(error) if configuration_refused(&error) => SignIn::SignedOut(Some(error)),
                    Err(_) => SignIn::SignedOut(None),
                }
            }
            Ok(None) => SignIn::SignedOut(None),
            Err(error) => SignIn::SignedOut(Some(error)),
        };
        state.try_set(next);
    });

    let sign_in = Action::new_local(move |_: &()| {
        let chosen = cloud.get_untracked();
        async move {
            if msal_cloud.get_value() != Some(chosen.key()) {
                start_msal(chosen).await?;
            }
            msal::sign_in_with_popup().await
        }
    });
    Effect::new(move |_| {
        if let Some(result) = sign_in.value().get() {
            match result {
                Ok(account) => signed_in(account),
                Err(error) => state.set(SignIn::SignedOut(Some(error))),
            }
        }
    });
    let sign_out = move |_| {
        spawn_local(async move {
            let _ = msal::sign_out().await;
            // The run record belongs to this sign-in; the next one starts afresh.
            store::clear();
            guide_progress::clear();
            login_hint::forget();
            if choosable {
                // The page's policy admits only the cloud just left: a fresh page offers
                // every choice again.
                cloud_choice::forget();
                if let Some(window) = web_sys::window() {
                    let _ = window.location().reload();
                }
                return;
            }
            state.try_set(SignIn::SignedOut(None));
        });
    };

    let cloud_key = move || cloud.with(Cloud::key);
    let tenant = config.with_value(|c| c.tenant.clone());
    let directory = if tenant.is_specific() {
        format!(
            "only accounts of the directory {}: a single-tenant app registration",
            tenant.segment()
        )
    } else {
        "any work or school directory: a multi-tenant app registration".to_owned()
    };
    let tenant_segment = tenant.segment().to_owned();
    // A configured directory cannot be the cause of AADSTS50194.
    let multi_tenant_hint_needless = tenant.is_specific();
    let cloud_label = move || {
        cloud.with(|c| {
            format!(
                "Cloud: {} — sign-in at {} ({directory})",
                c.label(),
                c.endpoints().authority_for(&tenant)
            )
        })
    };
    let choices = StoredValue::new(choices);
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
                    "You may be asked once to allow the tool access to Dataverse (Dynamics CRM). "
                    "Reading the tenant's enterprise applications through Microsoft Graph is optional and never asked for here."
                </p>
                {choosable.then(|| view! {
                    <CloudPicker choices=choices.get_value() cloud disabled=sign_in.pending() />
                })}
                <p class="sign-in__cloud" data-testid="cloud" data-cloud=cloud_key
                    data-tenant=tenant_segment.clone()>{cloud_label.clone()}</p>
                {error.map(|e| {
                    // Entra may show AADSTS50194 on its own page instead of answering the app:
                    // the window is then closed by the admin, so say what that error means.
                    let hint = (e.kind == AuthErrorKind::Cancelled && !multi_tenant_hint_needless).then(|| view! {
                        <p class="sign-in__hint" data-testid="tenant-hint">
                            "If Microsoft's window said AADSTS50194 (“not configured as a multi-tenant application”), this tool's app registration "
                            "is single-tenant: add \"tenant\": \"<your directory (tenant) id>\" to config.json beside index.html, then reload."
                        </p>
                    });
                    view! {
                        <ErrorPanel title="Sign-in did not complete" message=format!("{e}. {}", e.remedy()) />
                        {hint}
                    }
                })}
                <button
                    class="button button--primary"
                    data-testid="sign-in"
                    disabled=move || sign_in.pending().get()
                    on:click=move |_| {
                        // The popup takes a while: fetch the signed-in part meanwhile.
                        workspace_loader::prefetch();
                        sign_in.dispatch(());
                    }
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
                <p class="session__cloud" data-testid="cloud" data-cloud=cloud_key
                    data-tenant=tenant_segment.clone()>{cloud_label.clone()}</p>
                <button class="button" data-testid="sign-out" on:click=sign_out>"Sign out"</button>
            </div>
            <WorkspaceLoader account config=config.with_value(|c| c.with_cloud(cloud.get_untracked())) />
        }
        .into_any(),
    }
    }
}

/// Whether Entra refused the configuration itself (the directory), which the admin fixes in
/// `config.json`: worth saying even when nobody pressed a button yet.
fn configuration_refused(error: &AuthError) -> bool {
    matches!(
        error.kind,
        AuthErrorKind::TenantRequired | AuthErrorKind::UnknownTenant
    )
}
