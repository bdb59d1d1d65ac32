use leptos::prelude::*;

use crate::run::session::{EnvRow, Screen, Session};
use crate::ui::widgets::ConsentUnknownNote;
use w365_core::row::RowInfo;

/// One environment: what inspection found, its status with the reason, selection, open.
#[component]
pub fn EnvRowView(row: EnvRow) -> impl IntoView {
    let session = Session::get();
    let id = row.id().clone();
    let info = row.info;
    let last_run = row.last_run;
    let name = row.instance.friendly_name.clone();
    let tenant = row.instance.tenant_id.clone();
    let open = {
        let id = id.clone();
        move || {
            session.screen.set(Screen::Environment {
                id: id.clone(),
                resume: None,
            })
        }
    };
    let open_row = open.clone();
    let selected = {
        let id = id.clone();
        move || session.selected.with(|s| s.contains(&id))
    };
    let toggle = {
        let id = id.clone();
        move |ev: leptos::ev::Event| {
            let on = event_target_checked(&ev);
            session.selected.update(|s| {
                s.retain(|x| x != &id);
                if on {
                    s.push(id.clone());
                }
            });
        }
    };
    // A row that was not inspected (a disabled environment) has nothing to show but its status.
    let cell = move |f: fn(&RowInfo) -> String| {
        move || {
            info.with(|i| match i {
                None => "…".to_owned(),
                Some(i) if !i.inspected => "—".to_owned(),
                Some(i) => f(i),
            })
        }
    };
    view! {
        <tr
            class="env-row"
            data-testid="env-row"
            data-env-id=id.to_string()
            data-status=move || info.with(|i| i.as_ref().map(|i| i.status.key()))
            aria-busy=move || if info.with(Option::is_none) { "true" } else { "false" }
            on:click=move |_| open_row()
        >
            <td on:click=|ev| ev.stop_propagation()>
                <input
                    type="checkbox"
                    data-testid="env-select"
                    aria-label=format!("Select {name} for a batch run")
                    prop:checked=selected
                    on:change=toggle
                />
            </td>
            <th scope="row">
                <button
                    class="env-row__open"
                    data-testid="env-open"
                    on:click=move |ev| {
                        ev.stop_propagation();
                        open();
                    }
                >
                    {row.instance.friendly_name.clone()}
                </button>
                <span class="env-row__url">{row.instance.url.clone()}</span>
            </th>
            <td>{row.instance.region.clone().unwrap_or_else(|| "—".into())}</td>
            <td data-testid="env-version">
                {move || {
                    info.with(|i| match i {
                        None => view! { <span>"…"</span> }.into_any(),
                        Some(i) => {
                            view! {
                                <span class="env-row__version">{i.version_text()}</span>
                                {i
                                    .version_source()
                                    .map(|s| {
                                        view! {
                                            <span class="env-row__url" data-testid="env-version-source">
                                                {s}
                                            </span>
                                        }
                                    })}
                                {i
                                    .version_note()
                                    .map(|n| {
                                        view! {
                                            <span class="env-row__note" data-testid="env-version-note">
                                                <span aria-hidden="true">"⚠ "</span>
                                                {n}
                                            </span>
                                        }
                                    })}
                            }
                                .into_any()
                        }
                    })
                }}
            </td>
            <td>{cell(|i| i.data_center.clone().unwrap_or_else(|| "—".into()))}</td>
            <td>{cell(|i| i.app_user.label().to_owned())}</td>
            <td>
                {move || {
                    info.with(|i| match i {
                        None => view! { <span>"…"</span> }.into_any(),
                        Some(i) if !i.inspected => view! { <span>"—"</span> }.into_any(),
                        Some(i) => {
                            view! {
                                <ul class="env-row__roles">
                                    {i
                                        .roles
                                        .iter()
                                        .map(|(name, held)| {
                                            view! {
                                                <li>
                                                    {if *held { "✓ " } else { "✗ " }}{name.clone()}
                                                    <span class="visually-hidden">
                                                        {if *held { " (held)" } else { " (missing)" }}
                                                    </span>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                                .into_any()
                        }
                    })
                }}
            </td>
            <td>
                {cell(|i| match &i.service_account {
                    Some(a) => {
                        format!(
                            "{} — licensed: {}",
                            a.name,
                            if a.licensed { "yes" } else { "no" },
                        )
                    }
                    None => "none".into(),
                })}
            </td>
            <td
                data-testid="env-status"
                class=move || {
                    info.with(|i| {
                        format!(
                            "env-row__status env-row__status--{}",
                            i.as_ref().map_or("inspecting", |i| i.status.key()),
                        )
                    })
                }
            >
                {move || {
                    info.with(|i| match i {
                        None => view! { <span>"◌ Inspecting…"</span> }.into_any(),
                        Some(i) => {
                            view! {
                                <span class="env-row__status-label">
                                    <span aria-hidden="true">{i.status.icon()}" "</span>
                                    {i.status.label()}
                                </span>
                                <span class="env-row__reason">{i.reason.clone()}</span>
                                <ConsentUnknownNote
                                    notes=i.consent_unknown.clone()
                                    tenant=tenant.clone()
                                    compact=true
                                />
                                {i
                                    .remedy
                                    .clone()
                                    .map(|r| {
                                        view! {
                                            <span class="env-row__remedy" data-testid="env-remedy">
                                                {r}
                                            </span>
                                        }
                                    })}
                            }
                                .into_any()
                        }
                    })
                }}
                // How the last run from the environment view ended (a cancelled one changes
                // nothing the inspection shows, so say so here).
                {move || {
                    last_run
                        .get()
                        .map(|run| {
                            view! {
                                <span
                                    class="env-row__last-run"
                                    data-testid="env-last-run"
                                    data-outcome=run.outcome
                                >
                                    {format!("Last run: {}.", run.summary())}
                                </span>
                            }
                        })
                }}
            </td>
        </tr>
    }
}
