//! What the inspection finds, run sans-IO against the in-memory model: the product and its
//! version, the environment, the caller's privileges, the vendor's consent and data center, and
//! every state that blocks a setup.

mod support;

use support::model::{Model, ModelRole, CHILD_BU, PORTAL_ROLE, ROOT_BU, SERVICE_ROLE};
use support::{agree, no_faults, run, setup, stopped, target, unattended};
use w365_core::error::Remedy;
use w365_core::ids::AppId;
use w365_core::preset::{WORK365_EU_APP_ID as EU, WORK365_PORTAL_ROLE, WORK365_US_APP_ID as US};
use w365_core::procedure::assessment::{Assessment, BlockReason, VersionVerdict};
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Outcome, Procedure};
use w365_core::record::Stage;

#[test]
fn fresh_environment_is_configured_then_second_run_is_already_configured() {
    let mut m = Model::fresh(US);
    let (o, t, p) = setup(&mut m);
    assert!(
        matches!(o, Outcome::Configured { already: false, .. }),
        "{o:?}"
    );
    assert!(m.is_configured(US));
    assert_eq!(
        p.record().stages,
        vec![Stage::Inspect, Stage::Create, Stage::Assign, Stage::Verify]
    );
    assert_eq!(t.writes(), 3);

    let (o, t, p) = setup(&mut m);
    assert!(
        matches!(o, Outcome::Configured { already: true, .. }),
        "{o:?}"
    );
    assert_eq!(t.writes(), 0);
    assert_eq!(p.record().stages, vec![Stage::Inspect]);
    assert_eq!(o.summary(), "already configured");
}

#[test]
fn neither_roles_nor_a_solution_is_not_installed() {
    let mut m = Model::fresh(US);
    m.solution_version = None;
    m.roles.retain(|r| !r.name.starts_with("Work 365"));
    let (o, t, p) = setup(&mut m);
    assert!(matches!(
        stopped(&o),
        Assessment::NotInstalled { found: None, .. }
    ));
    assert_eq!(t.writes(), 0);
    let finding = p.inspection().product.clone().expect("a finding");
    assert_eq!(finding.verdict, VersionVerdict::NotInstalled);
    assert_eq!(finding.summary(), "not installed");
}

#[test]
fn roles_without_a_matching_solution_are_installed_version_unknown_and_setup_proceeds() {
    let mut m = Model::fresh(US);
    m.solution_version = None;
    let (o, _, p) = setup(&mut m);
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    assert!(m.is_configured(US));
    let finding = p
        .record()
        .inspection
        .clone()
        .and_then(|i| i.product)
        .expect("a finding");
    assert_eq!(finding.verdict, VersionVerdict::Unknown);
    assert!(finding.roles_found && finding.version.is_none());
    let note = finding.note().expect("a note");
    assert!(
        note.contains("version is unknown") && note.contains("3.5"),
        "{note}"
    );
    let report = w365_core::record::RunRecord {
        environments: vec![p.record().clone()],
        ..w365_core::record::RunRecord::new(
            w365_core::record::Operator {
                upn: "a@b".into(),
                tenant_id: None,
            },
            "public",
            0,
        )
    };
    assert!(report.to_markdown().contains("installed, version unknown"));
}

#[test]
fn a_solution_named_otherwise_gives_the_version_and_says_where_from() {
    let mut m = Model::fresh(US);
    m.solution_names = ("w365_Core".into(), "Work 365 Core Solution".into());
    m.solution_version = Some("3.7.0.4".into());
    let (o, t, p) = setup(&mut m);
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    let solutions = &t.sends[0]
        .iter()
        .find(|r| r.url.contains("/solutions?"))
        .expect("solutions asked")
        .url;
    assert!(
        solutions.contains("contains(uniquename,'Work%20365')")
            && solutions.contains("contains(friendlyname,'Work365')"),
        "{solutions}"
    );
    let finding = p.inspection().product.clone().expect("a finding");
    assert_eq!(finding.verdict, VersionVerdict::Sufficient);
    assert_eq!(finding.version.as_deref(), Some("3.7.0.4"));
    assert_eq!(
        finding.source().as_deref(),
        Some("solution w365_Core (\u{201c}Work 365 Core Solution\u{201d})")
    );
}

#[test]
fn a_matching_solution_without_a_readable_version_warns_and_proceeds() {
    let mut m = Model::fresh(US);
    m.solution_version = Some("next".into());
    let (o, _, p) = setup(&mut m);
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    let finding = p.inspection().product.clone().expect("a finding");
    assert_eq!(finding.verdict, VersionVerdict::Unknown);
    assert!(finding
        .note()
        .is_some_and(|n| n.contains("no readable version")));
}

#[test]
fn a_disabled_environment_is_blocked_without_a_single_request() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(
        w365_core::procedure::Target {
            disabled: true,
            ..target()
        },
        unattended(),
    );
    let (o, t) = run(&mut p, &mut m, no_faults, agree, true);
    let Assessment::Blocked {
        reason: BlockReason::EnvironmentDisabled,
        remedy,
    } = stopped(&o)
    else {
        panic!("{o:?}")
    };
    assert_eq!(remedy, &Remedy::EnableEnvironment);
    assert!(t.sends.is_empty());
    assert_eq!((p.record().requests, p.record().round_trips), (0, 0));
    assert_eq!(
        p.record()
            .assessment
            .as_ref()
            .map(Assessment::summary)
            .as_deref(),
        Some("blocked: the environment is disabled, so it was not inspected")
    );
}

#[test]
fn an_environment_disabled_after_discovery_is_told_as_such_without_retrying() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (o, t) = support::run_answering(&mut p, &mut m, |m, req| {
        if req.url.contains("crm.dynamics.com") {
            Ok(w365_core::http::HttpResponse::json(
                503,
                &serde_json::json!({"error":{"code":"0x8004A104","message":"The Dynamics 365 organization you are attempting to access is currently disabled.  Please contact your system administrator"}}),
            ))
        } else {
            Ok(m.handle(req))
        }
    });
    let Outcome::Failed { error } = &o else {
        panic!("{o:?}")
    };
    assert_eq!(error.remedy(), Remedy::EnableEnvironment);
    assert_eq!(t.sends.len(), 1, "no retry of a disabled organization");
}

#[test]
fn product_too_old_is_not_installed_with_the_version_found() {
    let mut m = Model::fresh(US);
    m.solution_version = Some("3.4.9.0".into());
    let (o, _, _) = setup(&mut m);
    let Assessment::NotInstalled { found, remedy } = stopped(&o) else {
        panic!("{o:?}")
    };
    assert_eq!(found.as_deref(), Some("3.4.9.0"));
    assert!(remedy.text().contains("3.5"), "{}", remedy.text());
}

#[test]
fn caller_without_system_administrator_lacks_privileges_after_checking_privileges() {
    let mut m = Model::fresh(US);
    m.caller_sysadmin = false;
    let (o, t, _) = setup(&mut m);
    assert!(matches!(
        stopped(&o),
        Assessment::CallerLacksPrivileges {
            remedy: Remedy::NotSystemAdministrator
        }
    ));
    let privilege_checks = t
        .sends
        .iter()
        .flatten()
        .filter(|r| r.url.contains("RetrieveUserPrivilegeByPrivilegeName"))
        .count();
    assert_eq!(privilege_checks, 5);
    assert_eq!(t.writes(), 0);
}

#[test]
fn vendor_without_service_principal_is_not_consented_with_the_consent_link() {
    let mut m = Model::fresh(US);
    m.consented.clear();
    let mut p = Procedure::new(
        w365_core::procedure::Target {
            data_center: AppId::parse(US).ok(),
            ..target()
        },
        unattended(),
    );
    let (o, t) = run(&mut p, &mut m, no_faults, agree, true);
    let Assessment::VendorNotConsented {
        remedy: Remedy::ConsentVendorApp { consent_url },
        ..
    } = stopped(&o)
    else {
        panic!("{o:?}")
    };
    assert_eq!(
        consent_url,
        &format!(
            "{}/{}/adminconsent?client_id={US}",
            support::endpoints().authority,
            support::TENANT
        )
    );
    assert_eq!(t.writes(), 0);
}

#[test]
fn two_consented_data_centers_ask_the_admin_and_use_the_answer() {
    let mut m = Model::fresh(US);
    m.consented.push(EU.into());
    let mut asked = 0;
    let mut p = Procedure::new(target(), unattended());
    let (o, _) = run(
        &mut p,
        &mut m,
        no_faults,
        |pr| match pr {
            Prompt::ChooseDataCenter { options } => {
                asked += 1;
                assert_eq!(options.len(), 2);
                PromptAnswer::DataCenter {
                    app_id: AppId::parse(EU).unwrap(),
                }
            }
            other => agree(other),
        },
        true,
    );
    assert_eq!(asked, 1);
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    assert!(m.is_configured(EU) && m.app_users(US).is_empty());
    assert_eq!(p.record().confirmations[0].what, "data center");
}

#[test]
fn existing_app_user_picks_its_data_center_without_asking() {
    let mut m = Model::fresh(US);
    m.consented.push(EU.into());
    m.add_app_user(EU, false, &[SERVICE_ROLE]);
    let mut p = Procedure::new(target(), unattended());
    let (o, t) = run(&mut p, &mut m, no_faults, |pr| panic!("asked {pr:?}"), true);
    assert!(
        matches!(o, Outcome::Configured { already: false, .. }),
        "{o:?}"
    );
    assert_eq!(t.writes(), 1, "only the missing portal role");
    assert!(m.is_configured(EU));
}

#[test]
fn soft_deleted_app_user_is_blocked_never_configured() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE]);
    m.users.last_mut().unwrap().deletedstate = 1;
    let (o, t, _) = setup(&mut m);
    let Assessment::Blocked {
        reason: BlockReason::SoftDeletedAppUser { .. },
        remedy,
    } = stopped(&o)
    else {
        panic!("{o:?}")
    };
    assert_eq!(remedy, &Remedy::PurgeDeletedAppUser);
    assert_eq!(t.writes(), 0);
}

#[test]
fn role_only_in_a_child_business_unit_is_missing() {
    let mut m = Model::fresh(US);
    m.roles.retain(|r| r.id != PORTAL_ROLE);
    m.roles.push(ModelRole {
        id: support::model::guid(0xa202),
        name: WORK365_PORTAL_ROLE.into(),
        bu: CHILD_BU.into(),
    });
    let (o, _, _) = setup(&mut m);
    assert!(
        matches!(
            stopped(&o),
            Assessment::Blocked {
                reason: BlockReason::RoleMissing { .. },
                ..
            }
        ),
        "{o:?}"
    );
}

#[test]
fn duplicate_role_names_in_the_root_are_ambiguous() {
    let mut m = Model::fresh(US);
    m.roles.push(ModelRole {
        id: support::model::guid(0xa203),
        name: WORK365_PORTAL_ROLE.into(),
        bu: ROOT_BU.into(),
    });
    let (o, t, _) = setup(&mut m);
    let Assessment::Blocked {
        reason: BlockReason::RoleAmbiguous { ids, .. },
        ..
    } = stopped(&o)
    else {
        panic!("{o:?}")
    };
    assert_eq!(ids.len(), 2);
    assert_eq!(t.writes(), 0);
}

#[test]
fn app_user_outside_the_root_business_unit_is_blocked() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, false, &[]);
    m.users.last_mut().unwrap().bu = CHILD_BU.into();
    let (o, _, _) = setup(&mut m);
    assert!(
        matches!(
            stopped(&o),
            Assessment::Blocked {
                reason: BlockReason::AppUserOutsideRoot { .. },
                ..
            }
        ),
        "{o:?}"
    );
}

#[test]
fn no_single_root_business_unit_is_blocked() {
    let mut m = Model::fresh(US);
    m.root_bus.push(CHILD_BU.into());
    let (o, _, _) = setup(&mut m);
    assert!(
        matches!(
            stopped(&o),
            Assessment::Blocked {
                reason: BlockReason::NoRootBusinessUnit { found: 2 },
                ..
            }
        ),
        "{o:?}"
    );
}
