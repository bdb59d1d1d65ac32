//! The nextLink rule against the tenant emulator's own paging: pages the emulator links to on
//! the host that was asked are followed to the end (small pages forced with
//! `Prefer: odata.maxpagesize=1`), so the rule refuses only what leaves the origin.

#[path = "support/native.rs"]
mod native;

use native::NativeClient;
use w365_core::dataverse::roles::Role;
use w365_core::dataverse::Dataverse;
use w365_core::odata;
use w365_core::preset::Preset;
use w365_emulator::{Emulator, Options as EmuOptions};

#[tokio::test(flavor = "current_thread")]
async fn the_emulators_next_links_stay_on_the_origin_and_are_followed_to_the_end() {
    let emu = Emulator::spawn(EmuOptions::scenario("demo")).expect("emulator starts");
    let client = NativeClient::new(&emu);
    let dv = Dataverse::new("https://contosoprod.crm.dynamics.com");
    let mut first = dv.roles_named(&Preset::work365().roles);
    for (name, value) in first.headers.iter_mut() {
        if name.eq_ignore_ascii_case("Prefer") {
            *value = "odata.maxpagesize=1".into();
        }
    }
    if first.header("Prefer").is_none() {
        first
            .headers
            .push(("Prefer".into(), "odata.maxpagesize=1".into()));
    }
    let roles: Vec<Role> = odata::collect_pages(&client, first)
        .await
        .expect("every page followed");
    // Both roles are copied into the root and the child business unit: four rows, four pages.
    assert_eq!(roles.len(), 4, "{roles:?}");
    let state = emu.state_json();
    let pages = state["requests"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.starts_with("/api/data/v9.2/roles?"))
        })
        .count();
    assert_eq!(pages, 4, "one row per page");
}
