use super::dom::{el, El};
use crate::api::transport::scope_for;
use crate::auth::{current_page_url, redirect_uri};
use crate::config::AppConfig;

fn code(text: &str) -> El {
    el("code").text(text)
}

fn strong(text: &str) -> El {
    el("strong").text(text)
}

/// Shown when `config.json` has no client id: how to register the tool in Entra ID, for either
/// kind of registration, and which `config.json` goes with which.
pub fn registration_guide(config: &AppConfig) -> El {
    let redirect = redirect_uri(&current_page_url());
    let endpoints = &config.endpoints;
    let graph_scope = scope_for(endpoints, &endpoints.graph);
    // The examples keep the cloud this page is configured for (custom clouds keep their URLs).
    let cloud = config.cloud.key();
    let single = format!(
        "{{ \"clientId\": \"<Application (client) ID>\", \"cloud\": \"{cloud}\", \"tenant\": \"<Directory (tenant) ID or a verified domain>\" }}"
    );
    let multi =
        format!("{{ \"clientId\": \"<Application (client) ID>\", \"cloud\": \"{cloud}\" }}");
    let choices = el("ul")
        .class("guide__choices")
        .child(
            el("li")
                .test_id("guide-single-tenant")
                .child(strong("Accounts in this organizational directory only"))
                .text(" (single tenant; recommended when only your organisation uses the tool). ")
                .text("Sign-in must name your directory: copy the Directory (tenant) ID from the registration's Overview ")
                .text("(or use a verified domain such as contoso.onmicrosoft.com) into \"tenant\": ")
                .child(code(&single)),
        )
        .child(
            el("li")
                .test_id("guide-multi-tenant")
                .child(strong("Accounts in any organizational directory"))
                .text(" (multitenant). Leave \"tenant\" out: sign-in goes through “organizations”. ")
                .child(code(&multi)),
        );
    let steps = el("ol")
        .class("guide__steps")
        .child(
            el("li")
                .text("In the Entra admin center, open App registrations → New registration. Name it e.g. “Work 365 application user setup”. ")
                .text("Under Supported account types choose one; it decides config.json:")
                .child(choices)
                .text("A single-tenant registration without \"tenant\" is refused by Microsoft (AADSTS50194); the sign-in screen then says to add it."),
        )
        .child(
            el("li")
                .text("Under Authentication → Add a platform → Single-page application, add this redirect URI: ")
                .child(code(&redirect))
                .text(" (the browser extension needs its own, https://<extension id>.chromiumapp.org/, as the README explains)."),
        )
        .child(
            el("li")
                .text("Under API permissions → Add a permission → Dynamics CRM → Delegated, add ")
                .child(strong("user_impersonation"))
                .text(" (required: discovery and every environment's Dataverse). You consent to it at your first sign-in if your tenant lets users consent; ")
                .text("otherwise press Grant admin consent."),
        )
        .child(
            el("li")
                .test_id("guide-optional-graph")
                .child(strong("Optional:"))
                .text(" Microsoft Graph → Delegated → ")
                .child(strong("Application.Read.All"))
                .text(", then Grant admin consent (only an administrator can grant it). What it adds: before creating the application user, ")
                .text("the tool checks that the vendor's app was consented in your tenant and says so on the dashboard. Without it, sign-in and ")
                .text("setup work the same; environments show “vendor consent unknown” with the admin-consent link, and if the vendor's app is ")
                .text("missing, Dataverse's own message says so when the application user is created. The tool never asks for it at sign-in.")
                .text(" (Scope: ")
                .child(code(&graph_scope))
                .text(")"),
        )
        .child(el("li").text("Copy the Application (client) ID from Overview into config.json beside index.html, as in step 1."))
        .child(el("li").text("Reload this page."));
    el("section")
        .class("guide")
        .test_id("registration-guide")
        .attr("aria-labelledby", "guide-title")
        .child(el("h2").attr("id", "guide-title").text("Register this tool in Entra ID first"))
        .child(
            el("p")
                .text("config.json has no client id. The tool signs you in with an app registration of your own ")
                .text("organisation, so that only your tenant's consent applies. Do this once:"),
        )
        .child(steps)
        .child(
            el("p")
                .class("guide__note")
                .text("Sign-in authority: ")
                .child(code(&endpoints.authority))
                .text(" · discovery: ")
                .child(code(&endpoints.discovery))
                .text(" · Graph: ")
                .child(code(&endpoints.graph)),
        )
}
