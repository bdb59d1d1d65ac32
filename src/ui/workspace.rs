use leptos::prelude::*;
use leptos::task::spawn_local;
use w365_core::discovery::{list_instances, Listed};
use w365_core::ids::TenantId;
use w365_core::record::Operator;
use wasm_bindgen::JsCast;

use super::dashboard::assess::assess_all;
use super::dashboard::Dashboard;
use super::environment::EnvironmentView;
use super::session::{EnvRow, Screen, Session};
use crate::api::transport::BrowserTransport;
use crate::bridge::msal::Account;
use crate::config::AppConfig;
use crate::run::clock::now_ms;
use crate::run::store::{self, Saved};

/// The signed-in page: lists the environments (only discovery blocks the first screen; the
/// inspections fill the rows in as they finish) and shows the dashboard or one environment.
#[component]
pub fn Workspace(account: Account, config: AppConfig) -> impl IntoView {
    let operator = Operator {
        upn: account.username.clone(),
        tenant_id: TenantId::parse(&account.tenant_id).ok(),
    };
    // A saved session of someone else (a different sign-in in this tab) is not resumed.
    let saved = store::load()
        .filter(|s| s.record.operator.upn == operator.upn && s.record.cloud == config.cloud.key())
        .unwrap_or_else(|| Saved::new(operator, config.cloud.key(), now_ms()));
    let resume = saved.active.clone();
    let resume_batch = saved.batch.clone();
    // Opened from the admin center by the browser extension: that environment first.
    let preselected = crate::launch::preselected_environment();
    let session = Session {
        account: StoredValue::new(account),
        cloud_key: StoredValue::new(config.cloud.key().to_owned()),
        endpoints: StoredValue::new(config.endpoints.clone()),
        transport: StoredValue::new(BrowserTransport::new(config.endpoints.clone())),
        rows: RwSignal::new(None),
        unusable: RwSignal::new(Vec::new()),
        screen: RwSignal::new(Screen::Dashboard),
        saved: RwSignal::new(saved),
        live: RwSignal::new(String::new()),
        selected: RwSignal::new(Vec::new()),
        resume_batch: RwSignal::new(None),
    };
    provide_context(session);

    let transport = session.transport.get_value();
    let endpoints = session.endpoints.get_value();
    spawn_local(async move {
        let listed = list_instances(&transport, &endpoints).await;
        // One row the client cannot use never takes the list down: it is shown with the reason.
        let mut unusable = Vec::new();
        let rows: Result<Vec<EnvRow>, String> = listed
            .map(|list| {
                list.into_iter()
                    .filter_map(|entry| match entry {
                        Listed::Usable(instance) => Some(EnvRow {
                            instance,
                            info: RwSignal::new(None),
                            last_run: RwSignal::new(None),
                        }),
                        Listed::Unusable(u) => {
                            unusable.push(u);
                            None
                        }
                    })
                    .collect()
            })
            .map_err(|e| format!("{e}. {}", e.remedy().text()));
        session.unusable.try_set(unusable);
        let Ok(list) = rows.clone() else {
            session.rows.try_set(Some(rows));
            return;
        };
        session.rows.try_set(Some(Ok(list.clone())));
        session.announce(format!(
            "{} environments found; inspecting them.",
            list.len()
        ));
        // A run a reload interrupted: reopen it, it re-inspects and continues.
        if let Some(active) = resume.filter(|a| list.iter().any(|r| r.id() == a.environment_id)) {
            session.screen.try_set(Screen::Environment {
                id: active.environment_id,
                resume: true,
            });
        } else if let Some(row) =
            // Both ids are canonical (`Default-`, lowercase GUIDs): the admin center's link
            // matches discovery's id whatever case either was written in.
            preselected.and_then(|id| list.iter().find(|r| r.id() == id))
        {
            session.screen.try_set(Screen::Environment {
                id: row.id(),
                resume: false,
            });
        }
        if let Some(ids) = resume_batch.filter(|ids| !ids.is_empty()) {
            session.selected.try_set(ids.clone());
            session.resume_batch.try_set(Some(ids));
        }
        assess_all(list, transport, endpoints).await;
        session.announce("Every environment has been inspected.");
    });

    // Back on the dashboard, focus returns to the environment's own row (after the
    // dashboard has focused its heading), so a keyboard user continues where they were.
    Effect::new(move |left: Option<Option<String>>| {
        let screen = session.screen.get();
        if let (Screen::Dashboard, Some(Some(id))) = (&screen, left) {
            focus_row_after_render(id);
        }
        match screen {
            Screen::Environment { id, .. } => Some(id),
            Screen::Dashboard => None,
        }
    });

    view! {
        <div class="visually-hidden" aria-live="polite" role="status" data-testid="live">
            {move || session.live.get()}
        </div>
        {move || match session.screen.get() {
            Screen::Dashboard => view! { <Dashboard /> }.into_any(),
            Screen::Environment { id, resume } => view! { <EnvironmentView id resume /> }.into_any(),
        }}
    }
}

/// Focuses the `env-open` button of the row with `env_id` once the dashboard is on screen
/// (a filtered-out row keeps the focus on the heading).
fn focus_row_after_render(env_id: String) {
    request_animation_frame(move || {
        let selector = format!(
            "[data-testid=\"env-row\"][data-env-id=\"{env_id}\"] [data-testid=\"env-open\"]"
        );
        let button = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(&selector).ok().flatten())
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(button) = button {
            let _ = button.focus();
        }
    });
}
