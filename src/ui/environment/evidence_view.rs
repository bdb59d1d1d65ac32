use leptos::prelude::*;
use w365_core::procedure::assessment::Evidence;

/// The read-back that proves the result, not a tick alone.
#[component]
pub fn EvidenceView(evidence: Evidence) -> impl IntoView {
    let bu = match (&evidence.business_unit_name, &evidence.business_unit_id) {
        (Some(name), Some(id)) => format!("{name} (root, {id})"),
        (None, Some(id)) => id.to_string(),
        _ => "unknown".into(),
    };
    view! {
        <section class="evidence" data-testid="evidence" aria-labelledby="evidence-title">
            <h3 id="evidence-title">"Verified: read back from Dataverse"</h3>
            <dl class="evidence__facts">
                <dt>"Application user id"</dt>
                <dd data-testid="evidence-user-id">
                    <code>{evidence.user_id.to_string()}</code>
                </dd>
                <dt>"Application (client) id"</dt>
                <dd data-testid="evidence-app-id">
                    <code>{evidence.app_id.to_string()}</code>
                </dd>
                <dt>"Business unit"</dt>
                <dd data-testid="evidence-bu">{bu}</dd>
                <dt>"Enabled"</dt>
                <dd data-testid="evidence-enabled">
                    {if evidence.enabled { "✓ yes" } else { "✕ no" }}
                </dd>
            </dl>
            <h4>"Roles held"</h4>
            <ul class="evidence__roles">
                {evidence
                    .roles
                    .iter()
                    .map(|r| {
                        view! {
                            <li data-testid="evidence-role" data-role-id=r.role_id.to_string()>
                                <strong>{r.name.clone()}</strong>
                                " — id "
                                <code>{r.role_id.to_string()}</code>
                                {r
                                    .business_unit_id
                                    .as_ref()
                                    .map(|b| {
                                        view! {
                                            " — business unit "
                                            <code>{b.to_string()}</code>
                                        }
                                    })}
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            {(!evidence.missing_roles.is_empty())
                .then(|| {
                    view! {
                        <p class="evidence__missing">
                            "✕ Missing: " {evidence.missing_roles.join(", ")}
                        </p>
                    }
                })}
        </section>
    }
}
