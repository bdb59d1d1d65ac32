use leptos::prelude::*;
use w365_core::discovery::UnusableInstance;

use w365_core::row::RowStatus;

/// A discovery row this tool cannot use: what is known, what is wrong and what to do. It is
/// not inspected, cannot be opened and cannot be selected for a batch.
#[component]
pub fn UnusableRowView(
    entry: UnusableInstance,
    /// Its place among the unusable rows, for a `data-env-id` that is safe in a selector.
    index: usize,
) -> impl IntoView {
    let status = RowStatus::Unusable;
    let name = if entry.name.trim().is_empty() {
        "(no name)".to_owned()
    } else {
        entry.name.clone()
    };
    view! {
        <tr
            class="env-row env-row--unusable"
            data-testid="env-row"
            data-env-id=format!("unusable-{index}")
            data-status=status.key()
            data-unusable=entry.reason.key()
            aria-busy="false"
        >
            <td>
                <span class="visually-hidden">"Cannot be selected"</span>
            </td>
            <th scope="row">
                <span class="env-row__name">{name}</span>
                {entry.url.clone().map(|u| view! { <span class="env-row__url">{u}</span> })}
                {entry
                    .raw_id
                    .clone()
                    .map(|id| {
                        view! {
                            <span class="env-row__url" data-testid="env-raw-id">
                                "Environment id as listed: "
                                <code>{id}</code>
                            </span>
                        }
                    })}
            </th>
            <td>{entry.region.clone().unwrap_or_else(|| "—".into())}</td>
            <td>"not inspected"</td>
            <td>"—"</td>
            <td>"—"</td>
            <td>"—"</td>
            <td>"—"</td>
            <td
                data-testid="env-status"
                class=format!("env-row__status env-row__status--{}", status.key())
            >
                <span class="env-row__status-label">
                    <span aria-hidden="true">{status.icon()}" "</span>
                    {status.label()}
                </span>
                <span class="env-row__reason">{entry.reason.text()}</span>
                <span class="env-row__remedy" data-testid="env-remedy">
                    {entry.reason.remedy()}
                </span>
            </td>
        </tr>
    }
}
