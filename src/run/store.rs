//! The session's run record and the runs in progress, kept in sessionStorage so that a reload
//! can offer to resume them (`w365_core::resume` validates them, the admin decides). Never a
//! token: only what `RunRecord` and `StoredRun` hold.
//!
//! Saved key by key (`w365_core::session_store`): each change writes only what changed — a
//! finished run once, under its own key; an environment that finished in a batch, one small
//! key — and nothing is cloned to save it. A write the storage refuses is kept as
//! [`Saved::save_failed`] and shown to the admin (the report bar): a reload would not resume
//! what it lost.
//!
//! Runs from before a reload are kept as raw JSON and never parsed back into the core's types:
//! deserialising the whole record would cost the page about 70 KB of wasm (gzip), for a report
//! that only needs to pass them through.

use serde::Serialize;
use serde_json::value::{to_raw_value, RawValue};
use w365_core::record::{EnvironmentRun, Operator, RunRecord, SCHEMA_VERSION};
use w365_core::resume::StoredRun;
use w365_core::session_store::{self as keys, Cursor, Head, KeyValue, Loaded, SaveFailed};

pub use w365_core::session_store::Slot;

/// Everything kept across a reload.
#[derive(Debug, Clone)]
pub struct Saved {
    /// Who, which cloud, and the runs finished since the page loaded.
    pub record: RunRecord,
    /// Runs finished before the last reload, as their JSON.
    pub restored: Vec<Box<RawValue>>,
    /// The environment view's unfinished run, if any (what came back from storage was
    /// validated by the core before it was kept again).
    view_run: Option<StoredRun>,
    /// The batch's unfinished run, likewise.
    batch_run: Option<StoredRun>,
    /// Where the next writes go.
    cursor: Cursor,
    /// The first write the storage refused, if any.
    failed: Option<SaveFailed>,
}

impl PartialEq for Saved {
    fn eq(&self, other: &Self) -> bool {
        self.record == other.record
            && self.view_run == other.view_run
            && self.batch_run == other.batch_run
            && self
                .restored
                .iter()
                .map(|r| r.get())
                .eq(other.restored.iter().map(|r| r.get()))
    }
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
    /// A fresh session, not kept yet (see [`Saved::begin`]).
    pub fn new(operator: Operator, cloud: &str, now_ms: u64) -> Saved {
        Saved {
            record: RunRecord::new(operator, cloud, now_ms),
            restored: Vec::new(),
            view_run: None,
            batch_run: None,
            cursor: Cursor::default(),
            failed: None,
        }
    }

    /// A fresh session, kept in `kv` in place of whatever was there.
    pub fn begin(kv: &impl KeyValue, operator: Operator, cloud: &str, now_ms: u64) -> Saved {
        let mut saved = Saved::new(operator, cloud, now_ms);
        let head = Head {
            operator: saved.record.operator.clone(),
            cloud: saved.record.cloud.clone(),
            started_at_ms: now_ms,
        };
        match keys::begin(kv, &head) {
            Ok(cursor) => saved.cursor = cursor,
            Err(e) => saved.failed = Some(e),
        }
        saved
    }

    fn note(&mut self, result: Result<(), SaveFailed>) {
        if let Err(e) = result {
            self.failed.get_or_insert(e);
        }
    }

    /// Why the storage refused to keep the session, once it has: from then on a reload
    /// would not offer everything this page did.
    pub fn save_failed(&self) -> Option<&SaveFailed> {
        self.failed.as_ref()
    }

    fn slot(&mut self, slot: Slot) -> &mut Option<StoredRun> {
        match slot {
            Slot::View => &mut self.view_run,
            Slot::Batch => &mut self.batch_run,
        }
    }

    /// The unfinished run of `slot`, as this page keeps it.
    pub fn unfinished(&self, slot: Slot) -> Option<&StoredRun> {
        match slot {
            Slot::View => self.view_run.as_ref(),
            Slot::Batch => self.batch_run.as_ref(),
        }
    }

    /// Keeps (or, with `None`, forgets) the unfinished run of `slot`.
    pub fn set_unfinished(&mut self, kv: &impl KeyValue, slot: Slot, run: Option<StoredRun>) {
        let result = keys::set_unfinished(kv, &mut self.cursor, slot, run.as_ref());
        *self.slot(slot) = run;
        self.note(result);
    }

    /// Keeps a stored unfinished run as it was read (it was validated and is offered again).
    pub fn restore_unfinished(&mut self, kv: &impl KeyValue, slot: Slot, text: &str) {
        let run = serde_json::from_str::<StoredRun>(text).ok();
        self.set_unfinished(kv, slot, run);
    }

    /// Changes the unfinished run of `slot`, if it is one this page keeps.
    pub fn update_unfinished(
        &mut self,
        kv: &impl KeyValue,
        slot: Slot,
        now_ms: u64,
        change: impl FnOnce(&mut StoredRun),
    ) {
        let Some(mut run) = self.slot(slot).take() else {
            return;
        };
        change(&mut run);
        run.saved_at_ms = now_ms;
        self.set_unfinished(kv, slot, Some(run));
    }

    /// Notes that environment `id` of `slot`'s unfinished run finished: one small key is
    /// written, not the run.
    pub fn add_finished(&mut self, kv: &impl KeyValue, slot: Slot, id: String, now_ms: u64) {
        let Some(run) = self.slot(slot).as_mut() else {
            return;
        };
        run.saved_at_ms = now_ms;
        let result = keys::add_finished(kv, &mut self.cursor, slot, &id, now_ms);
        if let Some(run) = self.slot(slot).as_mut() {
            run.finished.push(id);
        }
        self.note(result);
    }

    /// Adds a finished run; only its own JSON is written.
    pub fn add_run(&mut self, kv: &impl KeyValue, run: EnvironmentRun, now_ms: u64) {
        let result = serde_json::to_string(&run)
            .map_err(|e| SaveFailed {
                reason: e.to_string(),
            })
            .and_then(|json| keys::add_run(kv, &mut self.cursor, &json));
        self.record.environments.push(run);
        self.record.finished_at_ms = Some(now_ms);
        self.note(result);
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
}

/// The saved session, if there is a readable one, and the unfinished runs stored with it (as
/// their JSON, to validate), by slot. Its unfinished runs are not kept in the returned
/// `Saved` until validated ([`Saved::restore_unfinished`]).
pub fn load(kv: &impl KeyValue) -> Option<(Saved, Vec<(Slot, String)>)> {
    let (loaded, cursor, failed) = keys::load(kv);
    let Loaded {
        head,
        runs,
        unfinished,
    } = loaded?;
    let found = [Slot::View, Slot::Batch]
        .into_iter()
        .zip(unfinished)
        .filter_map(|(slot, text)| Some((slot, text?)))
        .collect();
    let mut record = RunRecord::new(head.operator, &head.cloud, head.started_at_ms);
    record.finished_at_ms = None;
    let saved = Saved {
        record,
        restored: runs
            .into_iter()
            .filter_map(|r| RawValue::from_string(r).ok())
            .collect(),
        view_run: None,
        batch_run: None,
        cursor,
        failed,
    };
    Some((saved, found))
}

/// Forgets the session (sign-out).
pub fn clear() {
    keys::clear(&super::tab_storage::TabStorage);
}
