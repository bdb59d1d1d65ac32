//! What the signed-in part of the page shares: who, which cloud, the environments discovery
//! listed and their rows, the screen shown, the session's run record, the live-region text.
//! Provided as context by the workspace; the screens read it and the runs write to it.

use leptos::prelude::*;
use w365_core::cloud::{Cloud, CloudEndpoints};
use w365_core::discovery::{Instance, UnusableInstance};
use w365_core::ids::{AppId, EnvironmentId};
use w365_core::procedure::{Mode, Outcome};
use w365_core::record::EnvironmentRun;
use w365_core::resume::{ResumeOffer, StoredRun};

use super::clock::now_ms;
use super::store::{Saved, Slot};
use super::tab_storage::TabStorage;
use crate::api::transport::BrowserTransport;
use crate::bridge::msal::Account;
use w365_core::row::RowInfo;

/// One environment from discovery and what its inspection found (`None` while inspecting).
#[derive(Debug, Clone)]
pub struct EnvRow {
    pub instance: Instance,
    pub info: RwSignal<Option<RowInfo>>,
    /// How the last setup or undo run opened from the environment view ended in this page's
    /// session (`None`: none ended yet). Set when the run ends, also after the admin went
    /// back to the dashboard, which cancels a run in progress.
    pub last_run: RwSignal<Option<RunEnd>>,
}

impl EnvRow {
    /// A row for an instance discovery listed, not inspected yet.
    pub fn new(instance: Instance) -> EnvRow {
        EnvRow {
            instance,
            info: RwSignal::new(None),
            last_run: RwSignal::new(None),
        }
    }

    /// The EnvironmentId (its text is the `data-env-id` value).
    pub fn id(&self) -> &EnvironmentId {
        &self.instance.environment_id
    }
}

/// What discovery listed: the rows this tool can use, and those it cannot (with the reason).
#[derive(Debug, Clone)]
pub struct Discovered {
    pub rows: Vec<EnvRow>,
    /// Discovery rows the client cannot use, each with the reason (shown, never inspected).
    pub unusable: Vec<UnusableInstance>,
}

/// The `data-outcome` value of a run's outcome.
pub fn outcome_key(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Configured { already: true, .. } => "already-configured",
        Outcome::Configured { .. } => "configured",
        Outcome::Stopped { .. } => "stopped",
        Outcome::Undone { evidence: None } => "nothing-to-undo",
        Outcome::Undone { .. } => "undone",
        Outcome::Failed { .. } => "failed",
        Outcome::Cancelled => "cancelled",
    }
}

/// How a setup or undo run ended, for the environment's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunEnd {
    /// Setup or undo.
    pub mode: Mode,
    /// The `data-outcome` value: `configured`, `already-configured`, `stopped`, `undone`,
    /// `nothing-to-undo`, `failed` or `cancelled`.
    pub outcome: &'static str,
    /// Writes the service accepted before the end (a cancelled run may have made some).
    pub writes: usize,
}

impl RunEnd {
    /// The end of a finished run (`None` while it has no outcome).
    pub fn of(run: &EnvironmentRun, mode: Mode) -> Option<RunEnd> {
        let outcome = outcome_key(run.outcome.as_ref()?);
        Some(RunEnd {
            mode,
            outcome,
            writes: run.successful_writes(),
        })
    }

    /// Whether the admin cancelled it (with `cancel`, or by going back to the dashboard).
    pub fn cancelled(&self) -> bool {
        self.outcome == "cancelled"
    }

    /// One line for the row, e.g. "Setup cancelled after 1 write".
    pub fn summary(&self) -> String {
        let run = if self.mode == Mode::Undo {
            "Undo"
        } else {
            "Setup"
        };
        let how = self.outcome.replace('-', " ");
        match self.writes {
            0 if self.cancelled() => format!("{run} cancelled; nothing was written"),
            0 => format!("{run} {how}"),
            1 => format!("{run} {how} after 1 write"),
            n => format!("{run} {how} after {n} writes"),
        }
    }
}

/// How an environment view starts a run the admin chose to resume from storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStart {
    /// Setup or undo.
    pub mode: Mode,
    /// The data center chosen before (not asked again).
    pub data_center: Option<AppId>,
    /// The plan was confirmed and the admin chose to continue: it is not asked again.
    pub plan_confirmed: bool,
}

/// Which screen is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Dashboard,
    /// One environment; `resume` when the admin chose to resume a stored run there.
    Environment {
        id: EnvironmentId,
        resume: Option<RunStart>,
    },
}

/// Shared state of the signed-in page, provided as context.
#[derive(Clone, Copy)]
pub struct Session {
    pub account: StoredValue<Account>,
    pub cloud: StoredValue<Cloud>,
    pub endpoints: StoredValue<CloudEndpoints>,
    pub transport: StoredValue<BrowserTransport>,
    /// Discovery's list: `None` while it runs; `Err` with the message when it failed.
    pub discovery: LocalResource<Result<Discovered, String>>,
    pub screen: RwSignal<Screen>,
    pub saved: RwSignal<Saved>,
    /// Text for the polite live region.
    pub live: RwSignal<String>,
    /// Selected rows for a batch.
    pub selected: RwSignal<Vec<EnvironmentId>>,
    /// Stored runs found at sign-in, validated, waiting for the admin's decision.
    pub resume_offers: RwSignal<Vec<(Slot, ResumeOffer)>>,
    /// Stored runs refused (with why); nothing of them is written.
    pub resume_refusals: RwSignal<Vec<String>>,
}

impl Session {
    /// The session from context (provided by `Workspace`).
    pub fn get() -> Session {
        expect_context::<Session>()
    }

    /// Announces progress to screen readers.
    pub fn announce(&self, text: impl Into<String>) {
        self.live.try_set(text.into());
    }

    /// The cloud's key (`public`, `gcc`, …), as the run record names it.
    pub fn cloud_key(&self) -> &'static str {
        self.cloud.with_value(Cloud::key)
    }

    /// The row of an environment.
    pub fn row(&self, id: &EnvironmentId) -> Option<EnvRow> {
        self.discovery.with_untracked(|listed| {
            let discovered = listed.as_ref()?.as_ref().ok()?;
            discovered.rows.iter().find(|r| r.id() == id).cloned()
        })
    }

    /// Changes what is kept across a reload; `change` writes what it changed to the tab's
    /// storage (only that), and a refused write is kept in `saved` for the admin to see.
    pub fn save_with(&self, change: impl FnOnce(&mut Saved, &TabStorage)) {
        self.saved.try_update(|s| change(s, &TabStorage));
    }

    /// A new unfinished run in `slot`, kept so that a reload can offer it again.
    pub fn start_unfinished(
        &self,
        slot: Slot,
        mode: Mode,
        environments: &[EnvironmentId],
        data_center: Option<AppId>,
        plan_confirmed: bool,
    ) {
        let run = StoredRun {
            operator: self.account.with_value(|a| a.username.clone()),
            cloud: self.cloud_key().to_owned(),
            mode: mode.key().into(),
            batch: slot == Slot::Batch,
            environments: environments.iter().map(ToString::to_string).collect(),
            finished: Vec::new(),
            data_center: data_center.map(|a| a.to_string()),
            plan_confirmed,
            saved_at_ms: now_ms(),
        };
        self.save_with(|s, kv| s.set_unfinished(kv, slot, Some(run)));
    }

    /// Changes the unfinished run of `slot` and keeps it.
    pub fn update_unfinished(&self, slot: Slot, change: impl FnOnce(&mut StoredRun)) {
        self.save_with(|s, kv| s.update_unfinished(kv, slot, now_ms(), change));
    }

    /// Notes that environment `id` of the unfinished run of `slot` finished.
    pub fn finished_in(&self, slot: Slot, id: String) {
        self.save_with(|s, kv| s.add_finished(kv, slot, id, now_ms()));
    }

    /// Forgets the unfinished run of `slot` (it ended, or the admin dismissed it).
    pub fn end_unfinished(&self, slot: Slot) {
        self.save_with(|s, kv| s.set_unfinished(kv, slot, None));
    }

    /// Adds a finished run to the session record.
    pub fn add_run(&self, run: EnvironmentRun) {
        self.save_with(|s, kv| s.add_run(kv, run, now_ms()));
    }
}
