//! Inspects every environment read-only (the core's `Mode::Assess`), a few at a time.

use std::cell::{Cell, RefCell};

use futures_util::StreamExt;
use leptos::prelude::*;
use w365_core::cloud::CloudEndpoints;
use w365_core::driver::{drive, Prompter};
use w365_core::http::HttpClient;
use w365_core::preset::Preset;
use w365_core::procedure::prompt::{DataCenterOption, Prompt, PromptAnswer};
use w365_core::procedure::{Mode, Procedure, Target};
use w365_core::record::EnvironmentRef;
use w365_core::tenant_reads::TenantReads;

use super::row_status::RowInfo;
use crate::api::transport::{scope_for, BrowserTransport};
use crate::bridge::msal;
use crate::run::clock::BrowserClock;
use crate::run::policy;
use crate::ui::session::EnvRow;

/// Inspections at once. They are reads, each environment is its own Dataverse server
/// and service protection counts per user per server (one inspection sends at most six
/// requests at once to its server), so this only bounds the browser's own load. Time is
/// round trips: an inspection is about five sequential ones (token, reads and their CORS
/// preflights), so every extra wave of environments adds half a second at 100 ms latency.
/// Fifty covers most tenants in one wave; bench/batch.mjs measured 24 (three waves for 50
/// environments) against 50 (BENCHMARKS.md).
pub const ASSESS_CONCURRENCY: usize = 50;

/// Answers an assessment's only possible question, the data center, with the first option so
/// the rest of the verdict is still learnt; remembers that it was asked.
#[derive(Default)]
struct AssessPrompter {
    asked: RefCell<Option<Vec<DataCenterOption>>>,
    endpoints: Option<CloudEndpoints>,
    gave_up: Cell<bool>,
}

impl Prompter for AssessPrompter {
    async fn ask(&self, _: &EnvironmentRef, prompt: &Prompt) -> PromptAnswer {
        match prompt {
            Prompt::ChooseDataCenter { options } if !options.is_empty() => {
                *self.asked.borrow_mut() = Some(options.clone());
                PromptAnswer::DataCenter {
                    app_id: options[0].app_id.clone(),
                }
            }
            // Nothing else is asked in Assess; stop rather than loop.
            _ => {
                self.gave_up.set(true);
                PromptAnswer::Decline
            }
        }
    }

    async fn renew_sign_in(&self, audience: &str) -> Result<(), String> {
        let endpoints = self.endpoints.as_ref().ok_or("no endpoints")?;
        // The refused token may still be cached: ask for a new one.
        msal::renew_token(&scope_for(endpoints, audience))
            .await
            .map_err(|e| e.to_string())
    }

    fn is_cancelled(&self) -> bool {
        self.gave_up.get()
    }
}

/// Inspects one environment and returns its row.
pub async fn assess_one(
    row: &EnvRow,
    transport: &impl HttpClient,
    endpoints: &CloudEndpoints,
) -> RowInfo {
    let target = Target::from_instance(&row.instance, Preset::work365(), endpoints.clone());
    let mut machine = Procedure::new(target, policy::unattended(Mode::Assess));
    let prompter = AssessPrompter {
        endpoints: Some(endpoints.clone()),
        ..AssessPrompter::default()
    };
    drive(&mut machine, transport, &BrowserClock, &prompter).await;
    let asked = prompter.asked.borrow().clone();
    RowInfo::from_run(machine.record(), asked.as_deref())
}

/// Inspects every row, [`ASSESS_CONCURRENCY`] at a time, filling each row in as it finishes.
/// Graph's answers are the tenant's, not an environment's: this pass asks each once.
pub async fn assess_all(rows: Vec<EnvRow>, transport: BrowserTransport, endpoints: CloudEndpoints) {
    let transport = TenantReads::new(transport, &[&endpoints.graph]);
    futures_util::stream::iter(rows)
        .for_each_concurrent(ASSESS_CONCURRENCY, |row| {
            let transport = &transport;
            let endpoints = &endpoints;
            async move {
                let info = assess_one(&row, transport, endpoints).await;
                row.info.try_set(Some(info));
            }
        })
        .await;
}
