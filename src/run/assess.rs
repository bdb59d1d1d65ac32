//! Inspects every environment read-only (the core's `Mode::Assess`), a few at a time.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use w365_core::cloud::CloudEndpoints;
use w365_core::driver::{drive, Prompter};
use w365_core::http::HttpClient;
use w365_core::preset::Preset;
use w365_core::procedure::prompt::{DataCenterOption, Prompt, PromptAnswer};
use w365_core::procedure::{Mode, Procedure, Target};
use w365_core::record::EnvironmentRef;
use w365_core::slots::Slots;
use w365_core::tenant_reads::TenantReads;

use super::cancel::Cancel;
use super::clock::BrowserClock;
use super::policy;
use super::session::EnvRow;
use crate::api::transport::{scope_for, BrowserTransport};
use crate::bridge::msal;
use w365_core::row::RowInfo;

/// Inspections active at once (one sleeping through a `Retry-After` is not). They are reads, each environment is its own Dataverse server
/// and service protection counts per user per server (one inspection sends at most six
/// requests at once to its server), so this only bounds the browser's own load. Time is
/// round trips: an inspection is about five sequential ones (token, reads and their CORS
/// preflights), so every extra wave of environments adds half a second at 100 ms latency.
/// Fifty covers most tenants in one wave; bench/batch.mjs measured 24 (three waves for 50
/// environments) against 50 (BENCHMARKS.md).
pub const ASSESS_CONCURRENCY: usize = 50;

/// Answers an assessment's only possible question, the data center, with the first option so
/// the rest of the verdict is still learnt; remembers that it was asked.
struct AssessPrompter {
    asked: RefCell<Option<Vec<DataCenterOption>>>,
    endpoints: CloudEndpoints,
    gave_up: Cell<bool>,
    /// The whole pass's: the workspace cancels it when it goes.
    cancel: Rc<Cancel>,
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
        // The refused token may still be cached: ask for a new one.
        msal::renew_token(&scope_for(&self.endpoints, audience))
            .await
            .map_err(|e| e.to_string())
    }

    fn is_cancelled(&self) -> bool {
        self.gave_up.get() || self.cancel.is_cancelled()
    }

    async fn cancelled(&self) {
        self.cancel.cancelled().await;
    }
}

/// Inspects one environment and returns its row; its waits (a `Retry-After`) are sat out
/// without its slot in `slots`.
pub async fn assess_one(
    row: &EnvRow,
    transport: &impl HttpClient,
    endpoints: &CloudEndpoints,
    cancel: Rc<Cancel>,
    slots: &Slots,
) -> RowInfo {
    let target = Target::from_instance(&row.instance, Preset::work365(), endpoints.clone());
    let mut machine = Procedure::new(target, policy::unattended(Mode::Assess));
    let prompter = AssessPrompter {
        asked: RefCell::new(None),
        endpoints: endpoints.clone(),
        gave_up: Cell::new(false),
        cancel,
    };
    drive(
        &mut machine,
        transport,
        &BrowserClock,
        &slots.prompter(&prompter),
    )
    .await;
    let asked = prompter.asked.borrow().clone();
    RowInfo::from_run(machine.record(), &machine.target().preset, asked.as_deref())
}

/// Inspects every row, [`ASSESS_CONCURRENCY`] active at a time (one sleeping through a
/// `Retry-After` lets the next start), filling each row in as it finishes. Graph's answers
/// are the tenant's, not an environment's: this pass asks each once. `cancel` stops the pass
/// at once (requests in flight are aborted); rows not inspected stay so.
pub async fn assess_all(
    rows: Vec<EnvRow>,
    transport: BrowserTransport,
    endpoints: CloudEndpoints,
    cancel: Rc<Cancel>,
) {
    let transport = TenantReads::new(transport, &[&endpoints.graph]);
    let slots = Slots::new(ASSESS_CONCURRENCY);
    slots
        .run(
            rows,
            |_| !cancel.is_cancelled(),
            |row| {
                let (transport, endpoints, slots) = (&transport, &endpoints, &slots);
                let cancel = cancel.clone();
                async move {
                    let info = assess_one(&row, transport, endpoints, cancel.clone(), slots).await;
                    if !cancel.is_cancelled() {
                        row.info.try_set(Some(info));
                    }
                }
            },
            |()| {},
        )
        .await;
}
