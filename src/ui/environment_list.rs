use leptos::prelude::*;
use w365_core::cloud::CloudEndpoints;
use w365_core::discovery::{list_instances, Instance};

use super::error_panel::ErrorPanel;
use crate::api::transport::BrowserTransport;

/// Every environment the Global Discovery Service lists for the signed-in admin.
#[component]
pub fn EnvironmentList(transport: BrowserTransport, endpoints: CloudEndpoints) -> impl IntoView {
    let instances = LocalResource::new(move || {
        let transport = transport.clone();
        let endpoints = endpoints.clone();
        async move {
            list_instances(&transport, &endpoints)
                .await
                .map_err(|e| e.to_string())
        }
    });
    view! {
        <section class="environments" aria-labelledby="environments-title">
            <h2 id="environments-title">"Environments"</h2>
            {move || match instances.get() {
                None => view! { <p class="page__loading" role="status">"Asking the discovery service…"</p> }.into_any(),
                Some(Err(message)) => view! {
                    <ErrorPanel title="The environments could not be listed" message />
                }.into_any(),
                Some(Ok(list)) if list.is_empty() => view! {
                    <p data-testid="no-environments">
                        "The discovery service lists no environment for this account. It leaves out environments where "
                        "the account is disabled, filtered out by a security group, or only a delegated admin."
                    </p>
                }.into_any(),
                Some(Ok(list)) => view! { <EnvironmentTable list /> }.into_any(),
            }}
        </section>
    }
}

#[component]
fn EnvironmentTable(list: Vec<Instance>) -> impl IntoView {
    let count = list.len();
    view! {
        <p class="environments__count" role="status">{format!("{count} environment(s)")}</p>
        <table class="environments__table">
            <thead>
                <tr>
                    <th scope="col">"Environment"</th>
                    <th scope="col">"Address"</th>
                    <th scope="col">"Region"</th>
                    <th scope="col">"Version"</th>
                    <th scope="col">"You are System Administrator"</th>
                </tr>
            </thead>
            <tbody>
                {list.into_iter().map(|instance| view! {
                    <tr data-testid="env-row" data-env-id=instance.environment_id.to_string()>
                        <th scope="row">{instance.friendly_name.clone()}</th>
                        <td><code>{instance.url.clone()}</code></td>
                        <td>{instance.region.clone().unwrap_or_else(|| "—".into())}</td>
                        <td>{instance.version.clone().unwrap_or_else(|| "—".into())}</td>
                        <td>{match instance.is_user_sys_admin {
                            Some(true) => "Yes",
                            Some(false) => "No",
                            None => "Unknown",
                        }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
