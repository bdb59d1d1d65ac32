use leptos::prelude::*;

use w365_core::discovery::UnusableInstance;
use w365_core::ids::EnvironmentId;

use super::batch_panel::BatchPanel;
use super::env_row::EnvRowView;
use super::filter::{visible, RowKey, SortKey};
use super::unusable_row::UnusableRowView;
use crate::run::session::{Discovered, EnvRow, Session};
use crate::ui::widgets::{ErrorPanel, ReportBar};
use w365_core::row::RowStatus;

/// Every environment the discovery service lists, with its inspected state.
#[component]
pub fn Dashboard() -> impl IntoView {
    let session = Session::get();
    let heading = NodeRef::<leptos::html::H2>::new();
    // Screen changes move focus to the new screen's heading.
    Effect::new(move |_| {
        if let Some(h) = heading.get() {
            let _ = h.focus();
        }
    });
    view! {
        <section class="dashboard" data-testid="dashboard" aria-labelledby="dashboard-title">
            <h2 id="dashboard-title" tabindex="-1" node_ref=heading>
                "Environments"
            </h2>
            {move || match session.discovery.get() {
                None => {
                    view! {
                        <p class="page__loading" role="status">
                            "Asking the discovery service…"
                        </p>
                    }
                        .into_any()
                }
                Some(Err(message)) => {
                    view! { <ErrorPanel title="The environments could not be listed" message /> }
                        .into_any()
                }
                Some(
                    Ok(Discovered { rows, unusable }),
                ) if rows.is_empty() && unusable.is_empty() => {
                    view! {
                        <p data-testid="no-environments">
                            "The discovery service lists no environment for this account. It leaves out environments where "
                            "the account is disabled, filtered out by a security group, or only a delegated admin."
                        </p>
                    }
                        .into_any()
                }
                Some(Ok(Discovered { rows, unusable })) => {
                    view! { <EnvironmentTable list=rows unusable /> }.into_any()
                }
            }}
        </section>
        <ReportBar />
    }
}

#[component]
fn EnvironmentTable(list: Vec<EnvRow>, unusable: Vec<UnusableInstance>) -> impl IntoView {
    let session = Session::get();
    let query = RwSignal::new(String::new());
    let status = RwSignal::new(None::<RowStatus>);
    let sort = RwSignal::new(SortKey::Name);
    let rows = StoredValue::new(list);
    // Rows discovery listed that this tool cannot use come after the usable ones in the
    // indices `shown` returns: index `rows.len() + k` is unusable row `k`.
    let unusable = StoredValue::new(unusable);
    let usable = rows.with_value(Vec::len);
    let shown = Memo::new(move |_| {
        let mut keys: Vec<RowKey> = rows.with_value(|rows| {
            rows.iter()
                .map(|r| RowKey {
                    name: r.instance.friendly_name.clone(),
                    url: r.instance.url.clone(),
                    region: r.instance.region.clone().unwrap_or_default(),
                    status: r.info.with(|i| i.as_ref().map(|i| i.status)),
                })
                .collect()
        });
        unusable.with_value(|list| {
            keys.extend(list.iter().map(|u| RowKey {
                name: u.name.clone(),
                url: u.url.clone().unwrap_or_default(),
                region: u.region.clone().unwrap_or_default(),
                status: Some(RowStatus::Unusable),
            }))
        });
        visible(&keys, &query.get(), status.get(), sort.get())
    });
    let total = usable + unusable.with_value(Vec::len);
    let inspected = move || {
        rows.with_value(|rows| rows.iter().filter(|r| r.info.with(Option::is_some)).count())
    };
    let all_selected = move || {
        let ids: Vec<EnvironmentId> = rows.with_value(|rows| {
            shown
                .get()
                .iter()
                .filter_map(|i| rows.get(*i).map(|r| r.id().clone()))
                .collect()
        });
        !ids.is_empty()
            && session
                .selected
                .with(|s| ids.iter().all(|id| s.contains(id)))
    };
    let select_all = move |ev: leptos::ev::Event| {
        let on = event_target_checked(&ev);
        let ids: Vec<EnvironmentId> = rows.with_value(|rows| {
            shown
                .get_untracked()
                .iter()
                .filter_map(|i| rows.get(*i).map(|r| r.id().clone()))
                .collect()
        });
        session.selected.update(|s| {
            s.retain(|id| !ids.contains(id));
            if on {
                s.extend(ids);
            }
        });
    };
    view! {
        <div class="dashboard__tools">
            <label class="field">
                <span class="field__label">"Filter"</span>
                <input
                    type="search"
                    class="field__input"
                    data-testid="env-filter"
                    placeholder="name or address"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
            </label>
            <label class="field">
                <span class="field__label">"Status"</span>
                <select
                    class="field__input"
                    data-testid="env-status-filter"
                    on:change=move |ev| status.set(RowStatus::from_key(&event_target_value(&ev)))
                >
                    <option value="all">"All"</option>
                    {RowStatus::ALL
                        .into_iter()
                        .map(|s| view! { <option value=s.key()>{s.label()}</option> })
                        .collect_view()}
                </select>
            </label>
            <label class="field">
                <span class="field__label">"Sort by"</span>
                <select
                    class="field__input"
                    data-testid="env-sort"
                    on:change=move |ev| sort.set(SortKey::from_key(&event_target_value(&ev)))
                >
                    <option value="name">"Name"</option>
                    <option value="status">"Status (needs you first)"</option>
                    <option value="region">"Region"</option>
                </select>
            </label>
            <p class="dashboard__count" role="status">
                {move || {
                    format!("{} of {total} shown · {} inspected", shown.get().len(), inspected())
                }}
            </p>
        </div>
        <BatchPanel />
        <div class="dashboard__scroll">
            <table class="dashboard__table">
                <caption class="visually-hidden">
                    "Environments and the state of their Work 365 application user"
                </caption>
                <thead>
                    <tr>
                        <th scope="col">
                            <input
                                type="checkbox"
                                data-testid="select-all"
                                aria-label="Select every shown environment"
                                prop:checked=all_selected
                                on:change=select_all
                            />
                        </th>
                        <th scope="col">"Environment"</th>
                        <th scope="col">"Region"</th>
                        <th scope="col">"Work 365"</th>
                        <th scope="col">"Data center"</th>
                        <th scope="col">"Application user"</th>
                        <th scope="col">"Roles"</th>
                        <th scope="col">"Service account"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>
                    <For
                        each=move || shown.get()
                        key=|i| *i
                        children=move |i| {
                            match rows.with_value(|rows| rows.get(i).cloned()) {
                                Some(row) => view! { <EnvRowView row /> }.into_any(),
                                None => {
                                    let index = i - usable;
                                    unusable
                                        .with_value(|list| list.get(index).cloned())
                                        .map(|entry| view! { <UnusableRowView entry index /> })
                                        .into_any()
                                }
                            }
                        }
                    />
                </tbody>
            </table>
        </div>
    }
}
