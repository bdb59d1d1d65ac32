//! "Vendor consent unknown": Microsoft Graph could not tell whether the vendor's app is
//! consented in the tenant (the tool's optional Application.Read.All is not granted, or Graph
//! did not answer). Setup goes on; the admin gets the admin-consent link to make sure.

use leptos::prelude::*;
use w365_core::ids::TenantId;

use crate::run::session::Session;
use w365_core::row::UnknownConsent;

/// The note with the admin-consent link (the core builds it), one per app; nothing when
/// consent is known. `compact` for a dashboard row.
#[component]
pub fn ConsentUnknownNote(
    notes: Vec<UnknownConsent>,
    tenant: Option<TenantId>,
    #[prop(optional)] compact: bool,
) -> impl IntoView {
    let endpoints = Session::get().endpoints.get_value();
    notes
        .into_iter()
        .map(|note| {
            let url = endpoints.admin_consent_url(tenant.as_ref(), &note.app_id);
            let app_id = note.app_id.to_string();
            if compact {
                view! {
                    <span
                        class="consent-unknown consent-unknown--compact"
                        data-testid="consent-unknown"
                        data-app-id=app_id
                        title=note.reason.clone()
                    >
                        {format!("Vendor consent unknown ({}) — ", note.label)}
                        <a
                            data-testid="consent-unknown-link"
                            href=url
                            target="_blank"
                            rel="noopener noreferrer"
                            aria-label=format!(
                                "Admin-consent link for the vendor's app ({})",
                                note.label,
                            )
                            on:click=|ev| ev.stop_propagation()
                        >
                            "admin-consent link ↗"
                        </a>
                    </span>
                }
                .into_any()
            } else {
                view! {
                    <p class="consent-unknown" data-testid="consent-unknown" data-app-id=app_id>
                        <strong>{format!("Vendor consent unknown ({}). ", note.label)}</strong>
                        "The tool could not ask Microsoft Graph whether the vendor's app is consented in your tenant "
                        "(its optional Application.Read.All permission is not granted, or Graph did not answer). "
                        "Setup goes on; if Dataverse then refuses to create the application user, its own message says why. "
                        "To make sure, a Global Administrator opens the "
                        <a
                            data-testid="consent-unknown-link"
                            href=url
                            target="_blank"
                            rel="noopener noreferrer"
                            aria-label=format!(
                                "Admin-consent link for the vendor's app ({})",
                                note.label,
                            )
                        >
                            "admin-consent link ↗"
                        </a>
                        "."
                        <span class="consent-unknown__reason">{format!(" ({})", note.reason)}</span>
                    </p>
                }
                .into_any()
            }
        })
        .collect_view()
}
