use leptos::prelude::*;
use leptos::task::spawn_local;
use w365_core::discovery::{list_instances, Listed};
use w365_core::driver::WithTimeout;
use w365_core::ids::TenantId;
use w365_core::preset::Preset;
use w365_core::record::{EnvironmentRef, Operator};
use w365_core::resume::{self, ResumeContext};
use wasm_bindgen::JsCast;

use super::dashboard::assess::assess_all;
use super::dashboard::Dashboard;
use super::environment::EnvironmentView;
use super::resume_prompt::ResumePrompt;
use super::session::{EnvRow, Screen, Session};
use crate::api::transport::BrowserTransport;
use crate::bridge::msal::Account;
use crate::config::AppConfig;
use crate::run::clock::{now_ms, BrowserClock};
use crate::run::policy;
use crate::run::store::{self, Saved, Slot};

/// The signed-in page: lists the environments (only discovery blocks the first screen; the
/// inspections fill the rows in as they finish) and shows the dashboard or one environment.
#[component]
pub fn Workspace(account: Account, config: AppConfig) -> impl IntoView {
    let operator = Operator {
        upn: account.username.clone(),
        tenant_id: TenantId::parse(&account.tenant_id).ok(),
    };
    // Runs a reload (a duplicated tab, a restored session) left unfinished: validated once
    // discovery has listed the environments, then offered; nothing runs before the admin says so.
    let loaded = store::load();
    let found: Vec<(Slot, String)> = loaded
        .as_ref()
        .map(|s| {
            [Slot::View, Slot::Batch]
                .into_iter()
                .filter_map(|slot| s.unfinished(slot).map(|text| (slot, text)))
                .collect()
        })
        .unwrap_or_default();
    // A saved session of someone else (a different sign-in in this tab) is not continued; its
    // unfinished runs are still shown as refused, so the admin knows they were there.
    let mut saved = loaded
        .filter(|s| s.record.operator.upn == operator.upn && s.record.cloud == config.cloud.key())
        .unwrap_or_else(|| Saved::new(operator, config.cloud.key(), now_ms()));
    saved.set_unfinished(Slot::View, None);
    saved.set_unfinished(Slot::Batch, None);
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
        resume_offers: RwSignal::new(Vec::new()),
        resume_refusals: RwSignal::new(Vec::new()),
    };
    provide_context(session);

    policy::configure(&config);
    let transport = session.transport.get_value();
    let endpoints = session.endpoints.get_value();
    let cloud = config.cloud.clone();
    spawn_local(async move {
        let within = WithTimeout::new(&transport, BrowserClock, policy::retry().read_timeout_ms);
        let listed = list_instances(&within, &cloud).await;
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
        offer_stored_runs(session, &found, &list);
        if let Some(row) =
            // Both ids are canonical (`Default-`, lowercase GUIDs): the admin center's link
            // matches discovery's id whatever case either was written in.
            preselected.and_then(|id| list.iter().find(|r| r.id() == id))
        {
            session.screen.try_set(Screen::Environment {
                id: row.id(),
                resume: None,
            });
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
        <ResumePrompt />
        {move || match session.screen.get() {
            Screen::Dashboard => view! { <Dashboard /> }.into_any(),
            Screen::Environment { id, resume } => view! { <EnvironmentView id resume /> }.into_any(),
        }}
    }
}

/// Validates the stored unfinished runs against the preset, this sign-in and what discovery
/// listed, and keeps them (saved again, so a reload before the admin decides offers them again)
/// as offers; a refused one is only reported.
fn offer_stored_runs(session: Session, found: &[(Slot, String)], list: &[EnvRow]) {
    let preset = Preset::work365();
    let environments: Vec<EnvironmentRef> = list
        .iter()
        .map(|r| EnvironmentRef {
            id: Some(r.instance.environment_id.clone()),
            name: r.instance.friendly_name.clone(),
            url: r.instance.origin(),
        })
        .collect();
    let operator = session.account.with_value(|a| a.username.clone());
    let cloud = session.cloud_key.get_value();
    let ctx = ResumeContext {
        preset: &preset,
        operator: &operator,
        cloud: &cloud,
        environments: &environments,
        now_ms: now_ms(),
    };
    for (slot, text) in found {
        match resume::validate(text, &ctx) {
            Ok(Some(offer)) => {
                session.save_with(|s| s.restore_unfinished(*slot, text));
                session.resume_offers.try_update(|o| o.push((*slot, offer)));
            }
            Ok(None) => {}
            Err(refused) => {
                session
                    .resume_refusals
                    .try_update(|r| r.push(format!("{refused}. {}", refused.remedy())));
            }
        }
    }
    // What was refused or is finished is not offered again after a reload.
    session.save_with(|_| {});
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
