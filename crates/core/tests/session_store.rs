//! The session record in the tab's storage, key by key (`session_store`): each save writes
//! only what changed, a reload reads back what was kept (and the resume validation still
//! judges it), the old single-key record is migrated, and a write the storage refuses is
//! reported, never dropped.

use std::cell::RefCell;
use std::collections::BTreeMap;

use serde_json::json;
use w365_core::preset::{Preset, WORK365_US_APP_ID};
use w365_core::record::{EnvironmentRef, Operator};
use w365_core::resume::{validate, ResumeContext, StoredRun, StoredRunError, FRESH_FOR_MS};
use w365_core::session_store::{self as store, Head, KeyValue, Slot, LEGACY_KEY, PREFIX};

const ADMIN: &str = "admin@contoso.onmicrosoft.com";
const PROD: &str = "a1b2c3d4-0000-4000-8000-000000000001";
const DEV: &str = "a1b2c3d4-0000-4000-8000-000000000002";
const NOW: u64 = 1_800_000_000_000;

/// sessionStorage in memory: counts what each save writes, and refuses writes once `quota`
/// characters are held (like a full storage).
#[derive(Default)]
struct Memory {
    map: RefCell<BTreeMap<String, String>>,
    written: RefCell<usize>,
    quota: Option<usize>,
}

impl Memory {
    fn with_quota(quota: usize) -> Memory {
        Memory {
            quota: Some(quota),
            ..Memory::default()
        }
    }

    fn written(&self) -> usize {
        std::mem::take(&mut *self.written.borrow_mut())
    }

    fn held(&self) -> usize {
        self.map
            .borrow()
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum()
    }
}

impl KeyValue for Memory {
    fn get(&self, key: &str) -> Option<String> {
        self.map.borrow().get(key).cloned()
    }
    fn set(&self, key: &str, value: &str) -> Result<(), String> {
        let old = self
            .map
            .borrow()
            .get(key)
            .map_or(0, |v| key.len() + v.len());
        if let Some(quota) = self.quota {
            if self.held() - old + key.len() + value.len() > quota {
                return Err("QuotaExceededError: the quota has been exceeded".into());
            }
        }
        *self.written.borrow_mut() += value.len();
        self.map.borrow_mut().insert(key.into(), value.into());
        Ok(())
    }
    fn remove(&self, key: &str) {
        self.map.borrow_mut().remove(key);
    }
}

impl Memory {
    fn keys(&self) -> Vec<String> {
        self.map.borrow().keys().cloned().collect()
    }
}

fn head() -> Head {
    Head {
        operator: Operator {
            upn: ADMIN.into(),
            tenant_id: None,
        },
        cloud: "public".into(),
        started_at_ms: NOW - 1_000,
    }
}

fn batch(environments: &[&str]) -> StoredRun {
    StoredRun {
        operator: ADMIN.into(),
        cloud: "public".into(),
        mode: "setup".into(),
        batch: true,
        environments: environments.iter().map(|e| (*e).to_owned()).collect(),
        finished: Vec::new(),
        data_center: None,
        plan_confirmed: false,
        saved_at_ms: NOW - 1_000,
    }
}

fn run_json(n: usize) -> String {
    json!({ "environment": { "name": format!("env {n}"), "url": format!("https://e{n}.crm.dynamics.com") }, "steps": [], "padding": "x".repeat(4_000) }).to_string()
}

fn check(
    text: &str,
    now_ms: u64,
) -> Result<Option<w365_core::resume::ResumeOffer>, StoredRunError> {
    let preset = Preset::work365();
    let environments: Vec<EnvironmentRef> = [(PROD, "contosoprod"), (DEV, "contosodev")]
        .into_iter()
        .map(|(id, host)| EnvironmentRef {
            id: w365_core::ids::EnvironmentId::parse(id).ok(),
            name: host.into(),
            url: format!("https://{host}.crm.dynamics.com"),
        })
        .collect();
    let ctx = ResumeContext {
        preset: &preset,
        operator: ADMIN,
        cloud: "public",
        environments: &environments,
        now_ms,
    };
    validate(text, &ctx)
}

#[test]
fn each_finished_run_writes_only_its_own_key_and_no_earlier_run_again() {
    let kv = Memory::default();
    let mut cursor = store::begin(&kv, &head()).unwrap();
    let ids: Vec<String> = (0..200)
        .map(|n| format!("a1b2c3d4-0000-4000-8000-{n:012}"))
        .collect();
    let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    store::set_unfinished(&kv, &mut cursor, Slot::Batch, Some(&batch(&refs))).unwrap();
    kv.written();
    for (n, id) in ids.iter().enumerate() {
        let run = run_json(n);
        store::add_finished(&kv, &mut cursor, Slot::Batch, id, NOW + n as u64).unwrap();
        store::add_run(&kv, &mut cursor, &run).unwrap();
        // The run and one small note: nothing grows with the runs before it.
        let written = kv.written();
        assert!(
            written < run.len() + 100,
            "save {n} wrote {written} characters"
        );
    }
    let (loaded, cursor_after, failed) = store::load(&kv);
    let loaded = loaded.expect("a session");
    assert_eq!(failed, None);
    assert_eq!(loaded.runs.len(), 200);
    assert_eq!(loaded.runs[7], run_json(7));
    assert_eq!(cursor_after.next_run, 200);
    let unfinished: StoredRun =
        serde_json::from_str(loaded.unfinished(Slot::Batch).expect("the batch")).unwrap();
    assert_eq!(
        unfinished.finished, ids,
        "every finished environment, in order"
    );
    assert_eq!(
        unfinished.saved_at_ms,
        NOW + 199,
        "saved when the last one finished"
    );
    assert_eq!(loaded.unfinished(Slot::View), None);
}

#[test]
fn a_reloaded_batch_is_validated_as_before_with_its_finished_environments() {
    let kv = Memory::default();
    let mut cursor = store::begin(&kv, &head()).unwrap();
    store::set_unfinished(&kv, &mut cursor, Slot::Batch, Some(&batch(&[PROD, DEV]))).unwrap();
    store::add_finished(&kv, &mut cursor, Slot::Batch, PROD, NOW - 500).unwrap();
    let (loaded, _, _) = store::load(&kv);
    let text = loaded.unwrap().unfinished[1].clone().unwrap();
    let offer = check(&text, NOW).unwrap().expect("offered");
    assert_eq!(offer.finished, 1);
    assert_eq!(offer.pending.len(), 1);
    assert_eq!(offer.pending[0].name, "contosodev");
    assert!(!offer.reinspect_only);
    // Its age is its last save's: an hour after the last environment finished, it is
    // offered for re-inspection only.
    let offer = check(&text, NOW - 500 + FRESH_FOR_MS + 1)
        .unwrap()
        .expect("offered");
    assert!(offer.reinspect_only);
}

#[test]
fn a_stored_app_id_that_is_not_the_presets_is_still_refused_after_a_reload() {
    let kv = Memory::default();
    let mut cursor = store::begin(&kv, &head()).unwrap();
    let mut run = batch(&[PROD]);
    run.batch = false;
    run.data_center = Some(WORK365_US_APP_ID.into());
    store::set_unfinished(&kv, &mut cursor, Slot::View, Some(&run)).unwrap();
    // Someone edits the stored run (a duplicated tab, an extension, the console).
    let key = store::slot_key(Slot::View);
    let edited = kv
        .get(&key)
        .unwrap()
        .replace(WORK365_US_APP_ID, "0c1f3f6e-9a77-4c57-9a7c-3b2d4a6f5e10");
    kv.set(&key, &edited).unwrap();
    let (loaded, _, _) = store::load(&kv);
    let text = loaded.unwrap().unfinished[0].clone().unwrap();
    assert!(matches!(
        check(&text, NOW),
        Err(StoredRunError::AppId { .. })
    ));
    // A garbled finished note does not make a garbled run pass either.
    kv.set(&store::done_key(Slot::View, 0), "{not json")
        .unwrap();
    let (loaded, _, _) = store::load(&kv);
    let text = loaded.unwrap().unfinished[0].clone().unwrap();
    assert!(check(&text, NOW).is_err());
}

#[test]
fn forgetting_an_unfinished_run_removes_its_finished_notes_too() {
    let kv = Memory::default();
    let mut cursor = store::begin(&kv, &head()).unwrap();
    store::set_unfinished(&kv, &mut cursor, Slot::Batch, Some(&batch(&[PROD, DEV]))).unwrap();
    store::add_finished(&kv, &mut cursor, Slot::Batch, PROD, NOW).unwrap();
    store::set_unfinished(&kv, &mut cursor, Slot::Batch, None).unwrap();
    assert!(
        kv.keys()
            .iter()
            .all(|k| !k.starts_with(&format!("{PREFIX}batch"))),
        "{:?}",
        kv.keys()
    );
    // A new batch starts with no finished environment from the last one.
    store::set_unfinished(&kv, &mut cursor, Slot::Batch, Some(&batch(&[PROD, DEV]))).unwrap();
    let (loaded, _, _) = store::load(&kv);
    let run: StoredRun =
        serde_json::from_str(loaded.unwrap().unfinished(Slot::Batch).unwrap()).unwrap();
    assert!(run.finished.is_empty());
}

#[test]
fn the_old_single_key_record_is_migrated_and_removed() {
    let kv = Memory::default();
    let legacy = json!({
        "operator": { "upn": ADMIN, "tenant_id": null },
        "cloud": "public",
        "started_at_ms": NOW - 1_000,
        "runs": [json!({"environment": {"name": "a"}}), json!({"environment": {"name": "b"}})],
        "view_run": null,
        "batch_run": batch(&[PROD, DEV]),
    });
    kv.set(LEGACY_KEY, &legacy.to_string()).unwrap();
    let (loaded, cursor, failed) = store::load(&kv);
    let loaded = loaded.expect("migrated");
    assert_eq!(failed, None);
    assert_eq!(loaded.head, head());
    assert_eq!(loaded.runs.len(), 2);
    assert!(loaded.runs[1].contains("\"b\""));
    assert_eq!(
        cursor.next_run, 2,
        "the next run goes after the migrated ones"
    );
    let run: StoredRun = serde_json::from_str(loaded.unfinished(Slot::Batch).unwrap()).unwrap();
    assert_eq!(run, batch(&[PROD, DEV]));
    assert_eq!(kv.get(LEGACY_KEY), None, "the old record is gone");
    // Read again: the same, from the new keys.
    assert_eq!(store::load(&kv).0, Some(loaded));
}

#[test]
fn an_old_record_that_does_not_parse_is_removed_and_nothing_is_offered() {
    let kv = Memory::default();
    kv.set(LEGACY_KEY, "{\"operator\": 1").unwrap();
    let (loaded, _, failed) = store::load(&kv);
    assert_eq!(loaded, None);
    assert_eq!(failed, None);
    assert_eq!(kv.get(LEGACY_KEY), None);
}

#[test]
fn a_migration_the_storage_refuses_keeps_the_old_record_readable_and_says_why() {
    let legacy = json!({
        "operator": { "upn": ADMIN, "tenant_id": null },
        "cloud": "public",
        "started_at_ms": NOW - 1_000,
        "runs": [json!({"environment": {"name": "a"}, "padding": "x".repeat(3_000)})],
        "batch_run": batch(&[PROD, DEV]),
    })
    .to_string();
    // Room for the old record, not for a second copy of it.
    let kv = Memory::with_quota(legacy.len() + LEGACY_KEY.len() + 500);
    kv.set(LEGACY_KEY, &legacy).unwrap();
    let (loaded, _, failed) = store::load(&kv);
    let failed = failed.expect("the refusal is reported");
    assert!(
        failed.to_string().contains("QuotaExceededError"),
        "{failed}"
    );
    let loaded = loaded.expect("read from the old record");
    assert_eq!(loaded.runs.len(), 1);
    assert!(loaded.unfinished(Slot::Batch).is_some());
    assert!(kv.get(LEGACY_KEY).is_some(), "the old record is kept");
    assert!(
        kv.keys().iter().all(|k| !k.starts_with(PREFIX)),
        "no half-written copy"
    );
}

#[test]
fn a_full_storage_refuses_with_its_reason_and_what_was_kept_stays_readable() {
    let kv = Memory::with_quota(20_000);
    let mut cursor = store::begin(&kv, &head()).unwrap();
    store::set_unfinished(&kv, &mut cursor, Slot::Batch, Some(&batch(&[PROD, DEV]))).unwrap();
    let mut refused = None;
    for n in 0..10 {
        if let Err(e) = store::add_run(&kv, &mut cursor, &run_json(n)) {
            refused = Some((n, e));
            break;
        }
    }
    let (n, e) = refused.expect("the storage filled up");
    assert!(
        e.to_string().contains("refused to keep the run's progress"),
        "{e}"
    );
    assert!(e.reason.contains("QuotaExceededError"));
    assert_eq!(cursor.next_run, n, "the refused run is not counted as kept");
    let (loaded, _, _) = store::load(&kv);
    let loaded = loaded.unwrap();
    assert_eq!(loaded.runs.len(), n);
    assert!(loaded.unfinished(Slot::Batch).is_some());
}

#[test]
fn clearing_forgets_every_key_of_the_record_and_the_old_one_but_nothing_else() {
    let kv = Memory::default();
    let mut cursor = store::begin(&kv, &head()).unwrap();
    store::add_run(&kv, &mut cursor, &run_json(0)).unwrap();
    kv.set(LEGACY_KEY, "{}").unwrap();
    kv.set("w365-appuser.cloud", "public").unwrap();
    store::clear(&kv);
    assert_eq!(kv.keys(), ["w365-appuser.cloud"]);
    assert_eq!(store::load(&kv).0, None);
}
