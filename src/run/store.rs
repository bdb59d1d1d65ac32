//! The session's run record and the runs in progress, kept in sessionStorage so that a reload
//! can offer to resume them (`w365_core::resume` validates them, the admin decides). Never a
//! token: only what `RunRecord` and `StoredRun` hold.
//!
//! Runs from before a reload are kept as raw JSON and never parsed back into the core's types:
//! deserialising the whole record would cost the page about 70 KB of wasm (gzip), for a report
//! that only needs to pass them through.

use serde::{Deserialize, Serialize};
use serde_json::value::{to_raw_value, RawValue};
use w365_core::record::{EnvironmentRun, Operator, RunRecord, SCHEMA_VERSION};
use w365_core::resume::StoredRun;

use super::tab_storage;

/// The sessionStorage key.
pub const KEY: &str = "w365-appuser.session";

/// Which of the two unfinished runs a page can have: one environment view's, or the batch's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The environment view's setup or undo.
    View,
    /// The dashboard's batch.
    Batch,
}

/// Everything kept across a reload.
#[derive(Debug, Clone)]
pub struct Saved {
    /// Who, which cloud, and the runs finished since the page loaded.
    pub record: RunRecord,
    /// Runs finished before the last reload, as their JSON.
    pub restored: Vec<Box<RawValue>>,
    /// The environment view's unfinished run ([`StoredRun`]'s JSON), if any. Kept as text:
    /// what comes back from storage is validated by the core before it is offered.
    pub view_run: Option<Box<RawValue>>,
    /// The batch's unfinished run, likewise.
    pub batch_run: Option<Box<RawValue>>,
}

impl PartialEq for Saved {
    fn eq(&self, other: &Self) -> bool {
        let raw = |r: &Option<Box<RawValue>>| r.as_ref().map(|r| r.get().to_owned());
        self.record == other.record
            && raw(&self.view_run) == raw(&other.view_run)
            && raw(&self.batch_run) == raw(&other.batch_run)
            && self
                .restored
                .iter()
                .map(|r| r.get())
                .eq(other.restored.iter().map(|r| r.get()))
    }
}

/// What sessionStorage holds.
#[derive(Serialize, Deserialize)]
struct Stored {
    operator: Operator,
    cloud: String,
    started_at_ms: u64,
    runs: Vec<Box<RawValue>>,
    #[serde(default)]
    view_run: Option<Box<RawValue>>,
    #[serde(default)]
    batch_run: Option<Box<RawValue>>,
}

/// The report's JSON: the shape of `RunRecord`, with some runs passed through raw.
#[derive(Serialize)]
struct Report<'a> {
    schema_version: u32,
    tool: &'a str,
    operator: &'a Operator,
    cloud: &'a str,
    started_at_ms: u64,
    finished_at_ms: Option<u64>,
    environments: Vec<&'a RawValue>,
}

impl Saved {
    /// A fresh session.
    pub fn new(operator: Operator, cloud: &str, now_ms: u64) -> Saved {
        Saved {
            record: RunRecord::new(operator, cloud, now_ms),
            restored: Vec::new(),
            view_run: None,
            batch_run: None,
        }
    }

    fn slot(&mut self, slot: Slot) -> &mut Option<Box<RawValue>> {
        match slot {
            Slot::View => &mut self.view_run,
            Slot::Batch => &mut self.batch_run,
        }
    }

    /// The unfinished run of `slot`, as stored (to validate with `w365_core::resume`).
    pub fn unfinished(&self, slot: Slot) -> Option<String> {
        match slot {
            Slot::View => &self.view_run,
            Slot::Batch => &self.batch_run,
        }
        .as_ref()
        .map(|r| r.get().to_owned())
    }

    /// Keeps (or, with `None`, forgets) the unfinished run of `slot`.
    pub fn set_unfinished(&mut self, slot: Slot, run: Option<&StoredRun>) {
        *self.slot(slot) = run.and_then(|r| to_raw_value(r).ok());
    }

    /// Keeps a stored unfinished run as it was read (it was validated and is offered again).
    pub fn restore_unfinished(&mut self, slot: Slot, text: &str) {
        *self.slot(slot) = RawValue::from_string(text.to_owned()).ok();
    }

    /// Changes the unfinished run of `slot`, if it is one this page wrote.
    pub fn update_unfinished(
        &mut self,
        slot: Slot,
        now_ms: u64,
        change: impl FnOnce(&mut StoredRun),
    ) {
        let Some(mut run) = self
            .unfinished(slot)
            .and_then(|text| serde_json::from_str::<StoredRun>(&text).ok())
        else {
            return;
        };
        change(&mut run);
        run.saved_at_ms = now_ms;
        self.set_unfinished(slot, Some(&run));
    }

    /// Adds a finished run.
    pub fn add_run(&mut self, run: EnvironmentRun, now_ms: u64) {
        self.record.environments.push(run);
        self.record.finished_at_ms = Some(now_ms);
    }

    /// Runs recorded in this session, before and after reloads.
    pub fn run_count(&self) -> usize {
        self.restored.len() + self.record.environments.len()
    }

    fn runs_json(&self) -> Vec<Box<RawValue>> {
        let fresh = self
            .record
            .environments
            .iter()
            .filter_map(|r| to_raw_value(r).ok());
        self.restored.iter().cloned().chain(fresh).collect()
    }

    /// The run record as JSON (`RunRecord`'s shape).
    pub fn report_json(&self) -> String {
        let runs = self.runs_json();
        let r = &self.record;
        let report = Report {
            schema_version: SCHEMA_VERSION,
            tool: &r.tool,
            operator: &r.operator,
            cloud: &r.cloud,
            started_at_ms: r.started_at_ms,
            finished_at_ms: r.finished_at_ms,
            environments: runs.iter().map(AsRef::as_ref).collect(),
        };
        serde_json::to_string_pretty(&report).unwrap_or_default()
    }

    /// The run record as Markdown; runs from before a reload are only in the JSON.
    pub fn report_markdown(&self) -> String {
        let mut md = self.record.to_markdown();
        if !self.restored.is_empty() {
            md.push_str(&format!(
                "_{} earlier run(s) of this session, from before the page was reloaded, are in the JSON report._\n",
                self.restored.len()
            ));
        }
        md
    }

    fn to_stored(&self) -> Stored {
        Stored {
            operator: self.record.operator.clone(),
            cloud: self.record.cloud.clone(),
            started_at_ms: self.record.started_at_ms,
            runs: self.runs_json(),
            view_run: self.view_run.clone(),
            batch_run: self.batch_run.clone(),
        }
    }
}

/// The saved session, if there is a readable one.
pub fn load() -> Option<Saved> {
    let text = tab_storage::get(KEY)?;
    let stored: Stored = serde_json::from_str(&text).ok()?;
    let mut record = RunRecord::new(stored.operator, &stored.cloud, stored.started_at_ms);
    record.finished_at_ms = None;
    Some(Saved {
        record,
        restored: stored.runs,
        view_run: stored.view_run,
        batch_run: stored.batch_run,
    })
}

/// Saves the session (see [`tab_storage`] for why a failure is ignored).
pub fn save(saved: &Saved) {
    if let Ok(text) = serde_json::to_string(&saved.to_stored()) {
        tab_storage::set(KEY, &text);
    }
}

/// Forgets the session (sign-out).
pub fn clear() {
    tab_storage::remove(KEY);
}
