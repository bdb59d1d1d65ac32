use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use w365_core::ids::{EnvironmentId, TenantId};
use w365_core::record::Operator;
use wasm_bindgen::JsCast;

use super::dashboard::Dashboard;
use super::environment::EnvironmentView;
use super::resume_prompt::ResumePrompt;
use crate::api::transport::BrowserTransport;
use crate::bridge::msal::Account;
use crate::config::AppConfig;
use crate::run::batch::BatchRun;
use crate::run::cancel::Cancel;
use crate::run::discovery::{after_discovery, discover};
use crate::run::session::{Screen, Session};
use crate::run::{policy, resume};

/// The signed-in page: lists the environments (only discovery blocks the first screen; the
/// inspections fill the rows in as they finish) and shows the dashboard or one environment.
#[component]
pub fn Workspace(account: Account, config: AppConfig) -> impl IntoView {
    let operator = Operator {
        upn: account.username.clone(),
        tenant_id: TenantId::parse(&account.tenant_id).ok(),
    };
    let (saved, stored) = resume::load(operator, &config.cloud);
    policy::configure(&config);
    let transport = BrowserTransport::new(config.endpoints.clone());
    // Discovery and the inspections: stopped (requests aborted) when the workspace goes.
    let cancel = Rc::new(Cancel::default());
    {
        let cancel = SendWrapper::new(cancel.clone());
        on_cleanup(move || cancel.cancel());
    }
    let discovery = {
        let (transport, cloud, cancel) = (transport.clone(), config.cloud.clone(), cancel.clone());
        LocalResource::new(move || discover(transport.clone(), cloud.clone(), cancel.clone()))
    };
    let session = Session {
        account: StoredValue::new(account),
        cloud: StoredValue::new(config.cloud.clone()),
        endpoints: StoredValue::new(config.endpoints.clone()),
        transport: StoredValue::new(transport),
        discovery,
        screen: RwSignal::new(Screen::Dashboard),
        saved: RwSignal::new(saved),
        live: RwSignal::new(String::new()),
        selected: RwSignal::new(Vec::new()),
        resume_offers: RwSignal::new(Vec::new()),
        resume_refusals: RwSignal::new(Vec::new()),
    };
    provide_context(session);
    let batch = BatchRun::new(session);
    provide_context(batch);
    {
        let batch = SendWrapper::new(batch.prompter());
        on_cleanup(move || batch.cancel());
    }
    // Opened from the admin center by the browser extension: that environment first.
    let preselected = crate::launch::preselected_environment();
    spawn_local(after_discovery(session, stored, preselected, cancel));

    // Back on the dashboard, focus returns to the environment's own row (after the
    // dashboard has focused its heading), so a keyboard user continues where they were.
    Effect::new(move |left: Option<Option<EnvironmentId>>| {
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

/// Focuses the `env-open` button of the row with `env_id` once the dashboard is on screen
/// (a filtered-out row keeps the focus on the heading). An EnvironmentId holds only
/// `[A-Za-z0-9._-]`, so it is safe inside the selector's quotes.
fn focus_row_after_render(env_id: EnvironmentId) {
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
