//! The session's run record and the run in progress, kept in sessionStorage so a reload can
//! resume. Never a token: only what `RunRecord` and [`ActiveRun`] hold.
//!
//! Runs from before a reload are kept as raw JSON and never parsed back into the core's types:
//! deserialising the whole record would cost the page about 70 KB of wasm (gzip), for a report
//! that only needs to pass them through.

use serde::{Deserialize, Serialize};
use serde_json::value::{to_raw_value, RawValue};
use w365_core::ids::AppId;
use w365_core::procedure::Mode;
use w365_core::record::{EnvironmentRun, Operator, RunRecord, SCHEMA_VERSION};

use super::tab_storage;

/// The sessionStorage key.
pub const KEY: &str = "w365-appuser.session";

/// A run that had started when the page was last saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveRun {
    /// The environment (its EnvironmentId as text).
    pub environment_id: String,
    /// Setup or undo.
    pub mode: Mode,
    /// The data center, once chosen (so a resumed run does not ask again).
    pub data_center: Option<AppId>,
    /// Whether the admin already confirmed the plan (a resumed run then continues unasked).
    pub plan_confirmed: bool,
}

/// Everything kept across a reload.
#[derive(Debug, Clone)]
pub struct Saved {
    /// Who, which cloud, and the runs finished since the page loaded.
    pub record: RunRecord,
    /// Runs finished before the last reload, as their JSON.
    pub restored: Vec<Box<RawValue>>,
    /// The run in progress, if any.
    pub active: Option<ActiveRun>,
    /// The batch in progress (its EnvironmentIds), if any.
    pub batch: Option<Vec<String>>,
}

impl PartialEq for Saved {
    fn eq(&self, other: &Self) -> bool {
        self.record == other.record
            && self.active == other.active
            && self.batch == other.batch
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
    active: Option<ActiveRun>,
    #[serde(default)]
    batch: Option<Vec<String>>,
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
            active: None,
            batch: None,
        }
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
            active: self.active.clone(),
            batch: self.batch.clone(),
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
        active: stored.active,
        batch: stored.batch,
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
