use leptos::prelude::*;

use crate::auth::{current_page_url, redirect_uri};
use crate::config::AppConfig;

/// Shown when `config.json` has no client id: how to register the tool in Entra ID.
#[component]
pub fn RegistrationGuide(config: AppConfig) -> impl IntoView {
    let redirect = redirect_uri(&current_page_url());
    let endpoints = config.endpoints;
    view! {
        <section class="guide" data-testid="registration-guide" aria-labelledby="guide-title">
            <h2 id="guide-title">"Register this tool in Entra ID first"</h2>
            <p>
                "config.json has no client id. The tool signs you in with an app registration of your own "
                "organisation, so that only your tenant's consent applies. Do this once:"
            </p>
            <ol class="guide__steps">
                <li>"In the Entra admin center, open App registrations → New registration. Name it e.g. “Work 365 application user setup”; supported account types: accounts in this organisational directory only."</li>
                <li>"Under Authentication → Add a platform → Single-page application, add this redirect URI: " <code>{redirect}</code></li>
                <li>"Under API permissions → Add a permission, add the delegated permissions "
                    <strong>"Dynamics CRM: user_impersonation"</strong> " and "
                    <strong>"Microsoft Graph: Application.Read.All"</strong>
                    ", then Grant admin consent."</li>
                <li>"Copy the Application (client) ID from Overview into config.json beside index.html: "
                    <code>"{ \"clientId\": \"<the id>\", \"cloud\": \"public\" }"</code></li>
                <li>"Reload this page."</li>
            </ol>
            <p class="guide__note">
                "Sign-in authority: " <code>{endpoints.authority}</code>
                " · discovery: " <code>{endpoints.discovery}</code>
                " · Graph: " <code>{endpoints.graph}</code>
            </p>
        </section>
    }
}
