//! Runs a reload (a duplicated tab, a restored session) left unfinished: read from the tab's
//! storage at sign-in, validated by the core once discovery has listed the environments, then
//! offered. Nothing runs before the admin says so.

use leptos::prelude::*;
use w365_core::cloud::Cloud;
use w365_core::preset::Preset;
use w365_core::record::{EnvironmentRef, Operator};
use w365_core::resume::{self, ResumeContext};

use super::clock::now_ms;
use super::session::{EnvRow, Session};
use super::store::{self, Saved, Slot};
use super::tab_storage::TabStorage;

/// An unfinished run as stored (its JSON), in its slot.
pub type StoredUnfinished = (Slot, String);

/// The session to continue (this sign-in's, in this cloud, else a fresh one) and the
/// unfinished runs found in storage. A saved session of someone else (a different sign-in in
/// this tab) is not continued; its unfinished runs are still returned, to be shown as refused,
/// so the admin knows they were there.
pub fn load(operator: Operator, cloud: &Cloud) -> (Saved, Vec<StoredUnfinished>) {
    match store::load(&TabStorage) {
        Some((saved, found))
            if saved.record.operator.upn == operator.upn && saved.record.cloud == cloud.key() =>
        {
            (saved, found)
        }
        other => {
            let found = other.map(|(_, found)| found).unwrap_or_default();
            let saved = Saved::begin(&TabStorage, operator, cloud.key(), now_ms());
            (saved, found)
        }
    }
}

/// Validates the stored unfinished runs against the preset, this sign-in and what discovery
/// listed, and keeps them (saved again, so a reload before the admin decides offers them again)
/// as offers; a refused one is only reported.
pub fn offer_stored_runs(session: Session, found: &[StoredUnfinished], list: &[EnvRow]) {
    let preset = Preset::work365();
    let environments: Vec<EnvironmentRef> = list
        .iter()
        .map(|r| EnvironmentRef::of(&r.instance))
        .collect();
    let operator = session.account.with_value(|a| a.username.clone());
    let ctx = ResumeContext {
        preset: &preset,
        operator: &operator,
        cloud: session.cloud_key(),
        environments: &environments,
        now_ms: now_ms(),
    };
    for (slot, text) in found {
        match resume::validate(text, &ctx) {
            Ok(Some(offer)) => {
                session.save_with(|s, kv| s.restore_unfinished(kv, *slot, text));
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
    session.save_with(|s, kv| {
        for slot in [Slot::View, Slot::Batch] {
            if s.unfinished(slot).is_none() {
                s.set_unfinished(kv, slot, None);
            }
        }
    });
}
