//! How the app keeps its session record in the tab's storage (sessionStorage), key by key, so
//! that each save writes only what changed: a finished run is written once under its own key
//! and never serialised again, an environment that finishes in a batch adds one small key to
//! the batch's unfinished run. (Saving the whole record after every environment wrote 94 M
//! characters in a batch of 200 and took 2.9 s of the page's main thread.)
//!
//! The storage is behind [`KeyValue`], so the layout, the migration of the old single-key
//! record and the failure paths are tested natively; the app implements it on sessionStorage.
//! What comes back is input: [`crate::resume`] validates an unfinished run before it is
//! offered, and a run's JSON that does not parse is not passed on.
//!
//! Layout (every key starts with [`PREFIX`]):
//! - `head`: who, which cloud, when the session started ([`Head`]);
//! - `run.<n>`: the n-th finished run (0, 1, …; read until the first missing one);
//! - `view`, `batch`: an unfinished run ([`StoredRun`]) of the environment view or the batch;
//! - `batch.done.<n>`, `view.done.<n>`: the n-th environment of that run that finished since
//!   its key was written, with when ([`Finished`]).

use serde::{Deserialize, Serialize};

use crate::record::Operator;
use crate::resume::StoredRun;

/// The old single-key record (everything in one JSON text), migrated on load.
pub const LEGACY_KEY: &str = "w365-appuser.session";

/// Every key of the session record starts with this.
pub const PREFIX: &str = "w365-appuser.session.";

/// Which of the two unfinished runs a page can have: one environment view's, or the batch's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The environment view's setup or undo.
    View,
    /// The dashboard's batch.
    Batch,
}

impl Slot {
    /// Both slots, in the order the record keeps them.
    const ALL: [Slot; 2] = [Slot::View, Slot::Batch];

    fn name(self) -> &'static str {
        match self {
            Slot::View => "view",
            Slot::Batch => "batch",
        }
    }

    fn index(self) -> usize {
        match self {
            Slot::View => 0,
            Slot::Batch => 1,
        }
    }
}

/// A storage of text under keys (the tab's sessionStorage in the app).
pub trait KeyValue {
    /// The text under `key`, if there is a readable one.
    fn get(&self, key: &str) -> Option<String>;
    /// Keeps `value` under `key`; `Err` with the storage's reason (full, blocked).
    fn set(&self, key: &str, value: &str) -> Result<(), String>;
    /// Forgets `key`.
    fn remove(&self, key: &str);
}

/// The storage refused a write: what a reload would resume is incomplete from here on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("this tab's storage refused to keep the run's progress ({reason})")]
pub struct SaveFailed {
    /// The storage's reason, e.g. `QuotaExceededError`.
    pub reason: String,
}

/// Who, which cloud, and when the session started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    /// The signed-in admin.
    pub operator: Operator,
    /// The cloud's key.
    pub cloud: String,
    /// When the session started (Unix ms).
    pub started_at_ms: u64,
}

/// An environment of an unfinished run that finished, kept beside the run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Finished {
    /// Its EnvironmentId, as text.
    pub id: String,
    /// When (Unix ms): the run's last save.
    pub at_ms: u64,
}

/// What a load found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// Who, which cloud, when.
    pub head: Head,
    /// The finished runs' JSON, in order (texts that are not JSON are left out).
    pub runs: Vec<String>,
    /// The unfinished runs' JSON by slot (`[view, batch]`), with their finished environments
    /// merged in: what [`crate::resume::validate`] reads.
    pub unfinished: [Option<String>; 2],
}

impl Loaded {
    /// The unfinished run of `slot`, as stored.
    pub fn unfinished(&self, slot: Slot) -> Option<&str> {
        self.unfinished[slot.index()].as_deref()
    }
}

/// Where the next writes go: the page's own bookkeeping of what it has written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    /// The next run's number.
    pub next_run: usize,
    /// The next finished environment's number, by slot.
    pub next_done: [usize; 2],
}

fn key(rest: &str) -> String {
    format!("{PREFIX}{rest}")
}

/// The key of the n-th finished run.
pub fn run_key(n: usize) -> String {
    key(&format!("run.{n}"))
}

/// The key of `slot`'s unfinished run.
pub fn slot_key(slot: Slot) -> String {
    key(slot.name())
}

/// The key of the n-th finished environment of `slot`'s unfinished run.
pub fn done_key(slot: Slot, n: usize) -> String {
    key(&format!("{}.done.{n}", slot.name()))
}

/// The key of the head.
pub fn head_key() -> String {
    key("head")
}

fn is_json(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// Reads the session record; the old single-key one is migrated first (see
/// [`migrate_legacy`]). `None` when there is no readable head. Also returns where the next
/// writes go, and why a migration could not be written (the old record is then read from
/// memory, and the storage holds nothing of it).
pub fn load(kv: &impl KeyValue) -> (Option<Loaded>, Cursor, Option<SaveFailed>) {
    match migrate_legacy(kv) {
        Ok(()) => {}
        Err(failed) => {
            let (loaded, failed) = *failed;
            return (Some(loaded), Cursor::default(), Some(failed));
        }
    }
    let mut cursor = Cursor::default();
    let Some(head) = kv
        .get(&head_key())
        .and_then(|t| serde_json::from_str::<Head>(&t).ok())
    else {
        return (None, cursor, None);
    };
    let mut runs = Vec::new();
    while let Some(text) = kv.get(&run_key(cursor.next_run)) {
        cursor.next_run += 1;
        if is_json(&text) {
            runs.push(text);
        }
    }
    let mut unfinished = [None, None];
    for slot in Slot::ALL {
        let mut done = Vec::new();
        while let Some(text) = kv.get(&done_key(slot, cursor.next_done[slot.index()])) {
            cursor.next_done[slot.index()] += 1;
            done.extend(serde_json::from_str::<Finished>(&text).ok());
        }
        unfinished[slot.index()] = kv.get(&slot_key(slot)).map(|text| merge(text, &done));
    }
    let loaded = Loaded {
        head,
        runs,
        unfinished,
    };
    (Some(loaded), cursor, None)
}

/// The unfinished run's text with its finished environments merged in (and its save time
/// moved to the last of them). A text that does not parse is passed on as it is: the
/// validation refuses it with its message.
fn merge(text: String, done: &[Finished]) -> String {
    if done.is_empty() {
        return text;
    }
    let Ok(mut run) = serde_json::from_str::<StoredRun>(&text) else {
        return text;
    };
    for f in done {
        if !run.finished.contains(&f.id) {
            run.finished.push(f.id.clone());
        }
        run.saved_at_ms = run.saved_at_ms.max(f.at_ms);
    }
    serde_json::to_string(&run).unwrap_or(text)
}

/// The old single-key record's shape.
#[derive(Deserialize)]
struct Legacy {
    operator: Operator,
    cloud: String,
    started_at_ms: u64,
    #[serde(default)]
    runs: Vec<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    view_run: Option<Box<serde_json::value::RawValue>>,
    #[serde(default)]
    batch_run: Option<Box<serde_json::value::RawValue>>,
}

/// Rewrites the old single-key record (from a page of an earlier version, e.g. a tab that was
/// open during an update) in today's layout and removes it. One that does not parse is
/// removed: the old page could not have read it either. When the storage refuses the new
/// keys, they are removed again and the old record is returned as read, with why.
pub fn migrate_legacy(kv: &impl KeyValue) -> Result<(), Box<(Loaded, SaveFailed)>> {
    let Some(text) = kv.get(LEGACY_KEY) else {
        return Ok(());
    };
    let Ok(legacy) = serde_json::from_str::<Legacy>(&text) else {
        kv.remove(LEGACY_KEY);
        return Ok(());
    };
    let loaded = Loaded {
        head: Head {
            operator: legacy.operator,
            cloud: legacy.cloud,
            started_at_ms: legacy.started_at_ms,
        },
        runs: legacy.runs.iter().map(|r| r.get().to_owned()).collect(),
        unfinished: [
            legacy.view_run.map(|r| r.get().to_owned()),
            legacy.batch_run.map(|r| r.get().to_owned()),
        ],
    };
    match write_all(kv, &loaded) {
        Ok(()) => {
            kv.remove(LEGACY_KEY);
            Ok(())
        }
        Err(failed) => {
            clear_keys(kv);
            Err(Box::new((loaded, failed)))
        }
    }
}

fn write_all(kv: &impl KeyValue, loaded: &Loaded) -> Result<(), SaveFailed> {
    let mut cursor = begin(kv, &loaded.head)?;
    for run in &loaded.runs {
        add_run(kv, &mut cursor, run)?;
    }
    for slot in Slot::ALL {
        if let Some(run) = loaded.unfinished(slot) {
            set(kv, &slot_key(slot), run)?;
        }
    }
    Ok(())
}

fn set(kv: &impl KeyValue, key: &str, value: &str) -> Result<(), SaveFailed> {
    kv.set(key, value).map_err(|reason| SaveFailed { reason })
}

/// Writes `value` as JSON under `key`.
fn set_json(kv: &impl KeyValue, key: &str, value: &impl Serialize) -> Result<(), SaveFailed> {
    let text = serde_json::to_string(value).map_err(|e| SaveFailed {
        reason: e.to_string(),
    })?;
    set(kv, key, &text)
}

/// Forgets the whole session record (sign-out, or a new session replaces another's).
pub fn clear(kv: &impl KeyValue) {
    clear_keys(kv);
    kv.remove(LEGACY_KEY);
}

/// Removes every key [`load`] could read (numbered keys up to the first missing one, as it
/// reads them); nothing else of the record is ever read.
fn clear_keys(kv: &impl KeyValue) {
    let numbered = |key: &dyn Fn(usize) -> String| {
        let mut n = 0;
        while kv.get(&key(n)).is_some() {
            kv.remove(&key(n));
            n += 1;
        }
    };
    kv.remove(&head_key());
    numbered(&run_key);
    for slot in Slot::ALL {
        kv.remove(&slot_key(slot));
        numbered(&|n| done_key(slot, n));
    }
}

/// Starts a new session record (whatever was there is forgotten first).
pub fn begin(kv: &impl KeyValue, head: &Head) -> Result<Cursor, SaveFailed> {
    clear_keys(kv);
    set_json(kv, &head_key(), head)?;
    Ok(Cursor::default())
}

/// Keeps one finished run (its JSON) after the others. Only this run's key is written.
pub fn add_run(kv: &impl KeyValue, cursor: &mut Cursor, json: &str) -> Result<(), SaveFailed> {
    set(kv, &run_key(cursor.next_run), json)?;
    cursor.next_run += 1;
    Ok(())
}

/// Keeps (or, with `None`, forgets) `slot`'s unfinished run, with no finished environments
/// beside it (they are in `run`).
pub fn set_unfinished(
    kv: &impl KeyValue,
    cursor: &mut Cursor,
    slot: Slot,
    run: Option<&StoredRun>,
) -> Result<(), SaveFailed> {
    for n in 0..cursor.next_done[slot.index()] {
        kv.remove(&done_key(slot, n));
    }
    cursor.next_done[slot.index()] = 0;
    match run {
        None => {
            kv.remove(&slot_key(slot));
            Ok(())
        }
        Some(run) => set_json(kv, &slot_key(slot), run),
    }
}

/// Notes that environment `id` of `slot`'s unfinished run finished at `at_ms`: one small key,
/// the run itself is not written again.
pub fn add_finished(
    kv: &impl KeyValue,
    cursor: &mut Cursor,
    slot: Slot,
    id: &str,
    at_ms: u64,
) -> Result<(), SaveFailed> {
    let finished = Finished {
        id: id.to_owned(),
        at_ms,
    };
    set_json(
        kv,
        &done_key(slot, cursor.next_done[slot.index()]),
        &finished,
    )?;
    cursor.next_done[slot.index()] += 1;
    Ok(())
}
