//! The setup's writes, run sans-IO against the in-memory model: only what is missing is
//! written, a create whose answer was lost or refused as a duplicate is adopted, never made
//! twice, and a refused write names the privilege.

mod support;

use support::model::{Model, OTHER_ROLE, PORTAL_ROLE, SERVICE_ROLE};
use support::{agree, no_faults, run, setup, stopped, target, unattended, Fault};
use w365_core::error::Remedy;
use w365_core::http::{HttpRequest, Method};
use w365_core::preset::{WORK365_PORTAL_ROLE, WORK365_US_APP_ID as US};
use w365_core::procedure::assessment::Assessment;
use w365_core::procedure::{Command, Mode, Options, Outcome, Procedure};
use w365_core::record::Stage;

#[test]
fn disabled_app_user_is_re_enabled_and_nothing_else_written() {
    let mut m = Model::fresh(US);
    let id = m.add_app_user(US, true, &[SERVICE_ROLE, PORTAL_ROLE]);
    let (o, t, p) = setup(&mut m);
    assert!(
        matches!(o, Outcome::Configured { already: false, .. }),
        "{o:?}"
    );
    let writes: Vec<&HttpRequest> = t
        .sends
        .iter()
        .flatten()
        .filter(|r| r.method != Method::Get)
        .collect();
    assert_eq!(writes.len(), 1);
    assert_eq!(writes[0].method, Method::Patch);
    assert!(writes[0].url.ends_with(&format!("systemusers({id})")));
    let body: serde_json::Value =
        serde_json::from_slice(writes[0].body.as_deref().unwrap_or_default()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"isdisabled": false, "applicationid": US}),
        "the body Microsoft's provider sends"
    );
    assert_eq!(
        p.record().stages,
        vec![Stage::Inspect, Stage::Enable, Stage::Verify]
    );
}

#[test]
fn partial_setup_assigns_only_the_missing_role() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, false, &[SERVICE_ROLE, OTHER_ROLE]);
    let mut p = Procedure::new(
        target(),
        Options {
            mode: Mode::Assess,
            ..unattended()
        },
    );
    let (o, _) = run(&mut p, &mut m, no_faults, agree, true);
    let Assessment::NeedsSetup { plan } = stopped(&o) else {
        panic!("{o:?}")
    };
    assert_eq!(plan.steps.len(), 1);
    assert!(plan.steps[0].reason().contains(WORK365_PORTAL_ROLE));
    let (o, t, _) = setup(&mut m);
    assert!(matches!(o, Outcome::Configured { .. }));
    assert_eq!(t.writes(), 1);
    assert!(
        m.app_users(US)[0].roles.contains(&OTHER_ROLE.to_owned()),
        "other roles are never removed"
    );
}

#[test]
fn dropped_connection_after_create_is_re_read_and_adopted_never_created_twice() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (o, t) = run(
        &mut p,
        &mut m,
        |r| {
            if r.method == Method::Post && r.url.ends_with("/systemusers") {
                Fault::DropAfter
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    assert_eq!(m.app_users(US).len(), 1);
    assert_eq!(
        t.sends
            .iter()
            .flatten()
            .filter(|r| r.method == Method::Post && r.url.ends_with("/systemusers"))
            .count(),
        1
    );
}

#[test]
fn duplicate_412_on_create_is_adopted() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (o, t) = run(&mut p, &mut m, |_| Fault::Race412, agree, true);
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    assert_eq!(m.app_users(US).len(), 1);
    assert!(p.record().writes.iter().any(|w| w.status == Some(412)));
    assert!(t.writes() >= 3);
}

#[test]
fn forbidden_write_maps_to_not_system_administrator() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let first = p.start(0);
    let refused = || {
        w365_core::http::HttpResponse::json(
            403,
            &serde_json::json!({"error":{"code":"0x80040220","message":"Principal user is missing prvCreateUser privilege"}}),
        )
    };
    let cmd = support::run_until(
        &mut p,
        &mut m,
        first,
        |m, r| {
            if r.method == Method::Post {
                Ok(refused())
            } else {
                Ok(m.handle(r))
            }
        },
        |c, _| matches!(c, Command::Done { .. }),
    );
    let Command::Done {
        outcome: Outcome::Failed { error },
    } = &cmd
    else {
        panic!("{cmd:?}")
    };
    assert_eq!(error.remedy(), Remedy::NotSystemAdministrator);
    assert!(error.to_string().contains("prvCreateUser"));
}
