use leptos::prelude::*;

use crate::api::transport::scope_for;
use crate::auth::{current_page_url, redirect_uri};
use crate::config::AppConfig;

/// Shown when `config.json` has no client id: how to register the tool in Entra ID, for either
/// kind of registration, and which `config.json` goes with which.
#[component]
pub fn RegistrationGuide(config: AppConfig) -> impl IntoView {
    let redirect = redirect_uri(&current_page_url());
    let endpoints = config.endpoints.clone();
    let graph_scope = scope_for(&endpoints, &endpoints.graph);
    // The examples keep the cloud this page is configured for (custom clouds keep their URLs).
    let cloud = config.cloud.key();
    let single = format!(
        "{{ \"clientId\": \"<Application (client) ID>\", \"cloud\": \"{cloud}\", \"tenant\": \"<Directory (tenant) ID or a verified domain>\" }}"
    );
    let multi =
        format!("{{ \"clientId\": \"<Application (client) ID>\", \"cloud\": \"{cloud}\" }}");
    view! {
        <section class="guide" data-testid="registration-guide" aria-labelledby="guide-title">
            <h2 id="guide-title">"Register this tool in Entra ID first"</h2>
            <p>
                "config.json has no client id. The tool signs you in with an app registration of your own "
                "organisation, so that only your tenant's consent applies. Do this once:"
            </p>
            <ol class="guide__steps">
                <li>
                    "In the Entra admin center, open App registrations → New registration. Name it e.g. “Work 365 application user setup”. "
                    "Under Supported account types choose one; it decides config.json:"
                    <ul class="guide__choices">
                        <li data-testid="guide-single-tenant">
                            <strong>"Accounts in this organizational directory only"</strong>
                            " (single tenant; recommended when only your organisation uses the tool). "
                            "Sign-in must name your directory: copy the Directory (tenant) ID from the registration's Overview "
                            "(or use a verified domain such as contoso.onmicrosoft.com) into \"tenant\": "
                            <code>{single}</code>
                        </li>
                        <li data-testid="guide-multi-tenant">
                            <strong>"Accounts in any organizational directory"</strong>
                            " (multitenant). Leave \"tenant\" out: sign-in goes through “organizations”. "
                            <code>{multi}</code>
                        </li>
                    </ul>
                    "A single-tenant registration without \"tenant\" is refused by Microsoft (AADSTS50194); the sign-in screen then says to add it."
                </li>
                <li>"Under Authentication → Add a platform → Single-page application, add this redirect URI: " <code>{redirect}</code>
                    " (the browser extension needs its own, https://<extension id>.chromiumapp.org/, as the README explains)."</li>
                <li>"Under API permissions → Add a permission → Dynamics CRM → Delegated, add "
                    <strong>"user_impersonation"</strong>
                    " (required: discovery and every environment's Dataverse). You consent to it at your first sign-in if your tenant lets users consent; "
                    "otherwise press Grant admin consent."</li>
                <li data-testid="guide-optional-graph">
                    <strong>"Optional:"</strong>
                    " Microsoft Graph → Delegated → " <strong>"Application.Read.All"</strong>
                    ", then Grant admin consent (only an administrator can grant it). What it adds: before creating the application user, "
                    "the tool checks that the vendor's app was consented in your tenant and says so on the dashboard. Without it, sign-in and "
                    "setup work the same; environments show “vendor consent unknown” with the admin-consent link, and if the vendor's app is "
                    "missing, Dataverse's own message says so when the application user is created. The tool never asks for it at sign-in."
                    " (Scope: " <code>{graph_scope}</code> ")"
                </li>
                <li>"Copy the Application (client) ID from Overview into config.json beside index.html, as in step 1."</li>
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
