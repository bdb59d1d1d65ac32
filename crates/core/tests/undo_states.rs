//! Undo, run sans-IO against the in-memory model: only the preset's roles are removed and the
//! user disabled; without an application user nothing is written.

mod support;

use support::model::{Model, OTHER_ROLE, PORTAL_ROLE, SERVICE_ROLE};
use support::{agree, no_faults, run, target, unattended};
use w365_core::http::Method;
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::{Mode, Options, Outcome, Procedure};

#[test]
fn undo_removes_only_the_preset_roles_and_disables_the_user() {
    let mut m = Model::fresh(US);
    let id = m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE, OTHER_ROLE]);
    let mut p = Procedure::new(
        target(),
        Options {
            mode: Mode::Undo,
            ..Options::default()
        },
    );
    let (o, t) = run(&mut p, &mut m, no_faults, agree, true);
    let Outcome::Undone { evidence: Some(e) } = &o else {
        panic!("{o:?}")
    };
    assert!(!e.enabled);
    assert_eq!(e.missing_roles.len(), 2);
    let u = &m.app_users(US)[0];
    assert_eq!(u.roles, vec![OTHER_ROLE.to_owned()]);
    assert!(u.disabled);
    assert_eq!(m.removed.len(), 2);
    assert!(m.removed.iter().all(|(uid, _)| uid == &id));
    assert_eq!(t.writes(), 3);
    assert!(t
        .sends
        .iter()
        .flatten()
        .filter(|r| r.method == Method::Delete)
        .all(|r| r.url.contains("/$ref?$id=")));
}

#[test]
fn undo_without_an_app_user_does_nothing() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(
        target(),
        Options {
            mode: Mode::Undo,
            ..unattended()
        },
    );
    let (o, t) = run(&mut p, &mut m, no_faults, agree, true);
    assert_eq!(o, Outcome::Undone { evidence: None });
    assert_eq!(t.writes(), 0);
}
