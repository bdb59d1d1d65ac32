use leptos::prelude::*;
use w365_core::error::Remedy;
use w365_core::procedure::Outcome;
use w365_core::record::EnvironmentRun;

use crate::run::session::outcome_key;
use crate::ui::widgets::ErrorPanel;

/// How the run ended; a problem with the core's remedy; after a setup, the license to reclaim.
#[component]
pub fn OutcomeView(run: EnvironmentRun, guided: bool) -> impl IntoView {
    let Some(outcome) = run.outcome.clone() else {
        return ().into_any();
    };
    let problem = match &outcome {
        Outcome::Failed { error } => Some((error.to_string(), error.remedy())),
        Outcome::Stopped { assessment } => assessment
            .remedy()
            .cloned()
            .map(|r| (assessment.summary(), r)),
        _ => None,
    };
    let accounts: Vec<_> = run
        .inspection
        .as_ref()
        .map(|i| i.service_accounts().into_iter().cloned().collect())
        .unwrap_or_default();
    let configured = matches!(outcome, Outcome::Configured { .. }) && run.mode == "setup";
    view! {
        <p class="outcome" data-testid="outcome" data-outcome=outcome_key(&outcome) role="status">
            <strong>"Result: "</strong>
            {outcome.summary()}
        </p>
        {problem
            .map(|(title, remedy)| {
                let link = match &remedy {
                    Remedy::ConsentVendorApp { consent_url } => Some(consent_url.clone()),
                    _ => None,
                };
                view! { <ErrorPanel title message=remedy.text() link /> }
            })}
        {configured
            .then(|| {
                view! {
                    <section class="reclaim" data-testid="reclaim" aria-labelledby="reclaim-title">
                        <h3 id="reclaim-title">"Licenses you can now reclaim"</h3>
                        {if accounts.is_empty() {
                            view! {
                                <p>
                                    "No licensed account holds the Work 365 Service role: there is no license to reclaim."
                                </p>
                            }
                                .into_any()
                        } else {
                            view! {
                                <ul>
                                    {accounts
                                        .iter()
                                        .map(|a| {
                                            view! {
                                                <li>
                                                    <strong>{a.fullname.clone().unwrap_or_default()}</strong>
                                                    " "
                                                    <code>{a.domainname.clone().unwrap_or_default()}</code>
                                                    " — licensed: yes, holds the Work 365 Service role"
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                                <p>
                                    {if guided {
                                        "Work 365 now runs as its application user, so this account no longer needs its license. "
                                    } else {
                                        "Once you have switched Work 365 to the application user, this account no longer needs its license. "
                                    }}
                                    "In the Microsoft 365 admin center open Users → Active users → the account → Licenses and apps, clear its Dynamics 365 license and save. "
                                    "Keep the account itself (unlicensed) until Work 365 has run well for a few days; this tool does not change it."
                                </p>
                            }
                                .into_any()
                        }}
                    </section>
                }
            })}
    }
    .into_any()
}
