//! Every assessment and every state transition, run sans-IO against the in-memory model.

mod support;

use support::model::{Model, ModelRole, CHILD_BU, OTHER_ROLE, PORTAL_ROLE, ROOT_BU, SERVICE_ROLE};
use support::{agree, answer_with_fault, no_faults, run, target, unattended, Fault};
use w365_core::error::{ApiError, Remedy};
use w365_core::http::{HttpRequest, Method};
use w365_core::ids::AppId;
use w365_core::preset::{WORK365_EU_APP_ID as EU, WORK365_PORTAL_ROLE, WORK365_US_APP_ID as US};
use w365_core::procedure::assessment::{Assessment, BlockReason, VersionVerdict};
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{
    Answer, Command, Input, Mode, Options, Outcome, Procedure, ProcedureError, WaitReason,
};
use w365_core::record::Stage;

fn setup(model: &mut Model) -> (Outcome, support::Trace, Procedure) {
    let mut p = Procedure::new(target(), unattended());
    let (o, t) = run(&mut p, model, no_faults, agree, true);
    (o, t, p)
}

fn stopped(o: &Outcome) -> &Assessment {
    match o {
        Outcome::Stopped { assessment } => assessment,
        other => panic!("expected Stopped, got {other:?}"),
    }
}

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

#[test]
fn declining_the_plan_writes_nothing() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), Options::default());
    let (o, t) = run(
        &mut p,
        &mut m,
        no_faults,
        |pr| {
            if matches!(pr, Prompt::ConfirmPlan { .. }) {
                PromptAnswer::Decline
            } else {
                agree(pr)
            }
        },
        true,
    );
    assert!(matches!(stopped(&o), Assessment::NeedsSetup { .. }));
    assert_eq!(t.writes(), 0);
    assert_eq!(p.record().confirmations[0].answer, "decline");
}

#[test]
fn guide_can_be_skipped_and_the_skip_is_recorded() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE]);
    let mut p = Procedure::new(target(), Options::default());
    let (o, _) = run(
        &mut p,
        &mut m,
        no_faults,
        |pr| match pr {
            Prompt::GuideStep { index: 1, .. } => PromptAnswer::Skip,
            other => agree(other),
        },
        true,
    );
    assert!(matches!(o, Outcome::Configured { already: true, .. }));
    let answers: Vec<&str> = p
        .record()
        .confirmations
        .iter()
        .map(|c| c.answer.as_str())
        .collect();
    assert_eq!(answers, ["confirmed", "skip"]);
}

#[test]
fn guide_resumed_after_a_reload_starts_at_the_first_unconfirmed_step() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE]);
    let mut p = Procedure::new(
        target(),
        Options {
            guide_confirmed: 2,
            ..Options::default()
        },
    );
    let mut asked = Vec::new();
    let (o, _) = run(
        &mut p,
        &mut m,
        no_faults,
        |pr| {
            if let Prompt::GuideStep { index, .. } = pr {
                asked.push(*index);
            }
            agree(pr)
        },
        true,
    );
    assert!(matches!(o, Outcome::Configured { already: true, .. }));
    assert_eq!(asked, [2, 3], "only the steps not yet confirmed are asked");
    let answers: Vec<&str> = p
        .record()
        .confirmations
        .iter()
        .map(|c| c.answer.as_str())
        .collect();
    assert_eq!(
        answers,
        [
            "confirmed before a reload",
            "confirmed before a reload",
            "confirmed",
            "confirmed"
        ]
    );
}

#[test]
fn leaving_during_the_guide_ends_configured_not_cancelled() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE]);
    let mut p = Procedure::new(target(), Options::default());
    let first = p.start(0);
    support::run_until(
        &mut p,
        &mut m,
        first,
        |m, r| Ok(m.handle(r)),
        |c, _| {
            matches!(
                c,
                Command::Prompt {
                    prompt: Prompt::GuideStep { index: 1, .. }
                }
            )
        },
    );
    let done = p.handle(Input::Cancel, 1);
    let Command::Done { outcome } = done else {
        panic!("{done:?}")
    };
    assert!(
        matches!(outcome, Outcome::Configured { already: true, .. }),
        "{outcome:?}"
    );
    let answers: Vec<&str> = p
        .record()
        .confirmations
        .iter()
        .map(|c| c.answer.as_str())
        .collect();
    assert_eq!(answers, ["confirmed", "left unconfirmed"]);
}

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

#[test]
fn throttled_read_waits_retry_after_as_a_countdown_then_continues() {
    let mut m = Model::fresh(US);
    let mut first = true;
    let mut p = Procedure::new(target(), unattended());
    let (o, t) = run(
        &mut p,
        &mut m,
        |r| {
            if first && r.url.ends_with("WhoAmI") {
                first = false;
                Fault::Throttle(7)
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    assert!(t.commands.iter().any(|c| matches!(
        c,
        Command::WaitUntil {
            reason: WaitReason::Throttled { retry_after_s: 7 },
            ..
        }
    )));
    assert_eq!(t.waits_ms, 7_000);
    assert_eq!(p.record().waits.len(), 1);
}

#[test]
fn throttling_longer_than_the_policy_allows_fails_typed() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (o, _) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.ends_with("WhoAmI") {
                Fault::Throttle(3600)
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    assert_eq!(
        o,
        Outcome::Failed {
            error: ProcedureError::Throttled {
                retry_after_s: 3600
            }
        }
    );
}

#[test]
fn server_errors_on_reads_are_retried_with_backoff() {
    let mut m = Model::fresh(US);
    let mut n = 0;
    let mut p = Procedure::new(target(), unattended());
    let (o, t) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.contains("/roles?") && n < 3 {
                n += 1;
                Fault::ServerError
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    let backoffs = t
        .commands
        .iter()
        .filter(|c| {
            matches!(
                c,
                Command::WaitUntil {
                    reason: WaitReason::Backoff { .. },
                    ..
                }
            )
        })
        .count();
    assert_eq!(backoffs, 3);
}

#[test]
fn persistent_server_errors_end_in_a_typed_error() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (o, t) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.ends_with("WhoAmI") {
                Fault::ServerError
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    let Outcome::Failed {
        error: ProcedureError::Api { error, remedy, .. },
    } = &o
    else {
        panic!("{o:?}")
    };
    assert_eq!(error.status(), Some(503));
    assert_eq!(remedy, &Remedy::TryLater);
    assert_eq!(
        t.sends
            .iter()
            .flatten()
            .filter(|r| r.url.ends_with("WhoAmI"))
            .count(),
        5,
        "first try + 4 retries"
    );
}

#[test]
fn expired_token_is_renewed_once_then_sign_in_expired() {
    let mut m = Model::fresh(US);
    let mut once = true;
    let mut p = Procedure::new(target(), unattended());
    let (o, t) = run(
        &mut p,
        &mut m,
        |r| {
            if once && r.url.ends_with("WhoAmI") {
                once = false;
                Fault::Unauthorized
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    assert!(t.commands.iter().any(|c| c
        == &Command::RenewSignIn {
            audience: support::model::ORIGIN.into()
        }));

    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (o, _) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.ends_with("WhoAmI") {
                Fault::Unauthorized
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    assert_eq!(
        o,
        Outcome::Failed {
            error: ProcedureError::SignInExpired {
                audience: support::model::ORIGIN.into()
            }
        }
    );

    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (o, _) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.ends_with("WhoAmI") {
                Fault::Unauthorized
            } else {
                Fault::None
            }
        },
        agree,
        false,
    );
    assert!(matches!(
        o,
        Outcome::Failed {
            error: ProcedureError::SignInExpired { .. }
        }
    ));
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
fn html_page_instead_of_json_is_an_unreadable_error_not_a_panic() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (o, _) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.ends_with("WhoAmI") {
                Fault::Html
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    let Outcome::Failed {
        error:
            ProcedureError::Api {
                error: ApiError::Unreadable { excerpt, .. },
                ..
            },
    } = &o
    else {
        panic!("{o:?}")
    };
    assert!(excerpt.starts_with("<!DOCTYPE html>"));
}

#[test]
fn unknown_consent_goes_on_and_shows_dataverse_refusal_verbatim() {
    let mut m = Model::fresh(US);
    m.consented.clear();
    let mut p = Procedure::new(
        w365_core::procedure::Target {
            data_center: AppId::parse(US).ok(),
            ..target()
        },
        unattended(),
    );
    let (o, _) = run(
        &mut p,
        &mut m,
        |r| {
            if r.url.starts_with(&support::model::graph()) {
                Fault::Forbidden
            } else {
                Fault::None
            }
        },
        agree,
        true,
    );
    assert!(matches!(
        p.inspection().consent_of(&AppId::parse(US).unwrap()),
        Some(w365_core::graph::Consent::Unknown { .. })
    ));
    let Outcome::Failed {
        error:
            ProcedureError::Api {
                remedy: Remedy::ReadServiceMessage { code, message },
                ..
            },
    } = &o
    else {
        panic!("{o:?}")
    };
    assert_eq!(code.as_deref(), Some("0x80040216"));
    assert_eq!(message, "The application is not registered in the tenant");
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

#[test]
fn cancel_stops_before_any_further_request() {
    let mut p = Procedure::new(target(), unattended());
    p.start(0);
    let cmd = p.handle(Input::Cancel, 5);
    assert_eq!(
        cmd,
        Command::Done {
            outcome: Outcome::Cancelled
        }
    );
    assert_eq!(
        p.handle(Input::Woke, 6),
        cmd,
        "a finished run repeats its end"
    );
}

#[test]
fn inputs_that_do_not_fit_repeat_the_last_command() {
    let mut p = Procedure::new(target(), unattended());
    let first = p.start(0);
    assert_eq!(p.handle(Input::Woke, 1), first);
    assert_eq!(p.handle(Input::SignInRenewed, 1), first);
    assert_eq!(
        p.handle(
            Input::Choice {
                answer: PromptAnswer::Proceed
            },
            1
        ),
        first
    );
    assert_eq!(p.start(2), first);
}

#[test]
fn unanswered_requests_count_as_dropped_and_reads_are_retried() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let Command::Send { requests } = p.start(0) else {
        panic!()
    };
    // Answer all but the first.
    let answers = requests[1..]
        .iter()
        .map(|o| Answer {
            id: o.id,
            result: answer_with_fault(&mut m, &o.request, Fault::None),
        })
        .collect();
    let cmd = p.handle(Input::Answers { answers }, 10);
    assert!(
        matches!(
            cmd,
            Command::WaitUntil {
                reason: WaitReason::Backoff { attempt: 1 },
                ..
            }
        ),
        "{cmd:?}"
    );
    let Command::Send { requests } = p.handle(Input::Woke, 100_000) else {
        panic!()
    };
    assert_eq!(requests.len(), 1);
    assert!(requests[0].request.url.ends_with("WhoAmI"));
}

#[test]
fn commands_prompts_and_records_round_trip_through_json() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), Options::default());
    let (_, t) = run(&mut p, &mut m, no_faults, agree, true);
    for c in &t.commands {
        let s = serde_json::to_string(c).unwrap();
        assert_eq!(&serde_json::from_str::<Command>(&s).unwrap(), c);
    }
    let mut run_record = w365_core::record::RunRecord::new(
        w365_core::record::Operator {
            upn: "admin@contoso.onmicrosoft.com".into(),
            tenant_id: None,
        },
        "public",
        0,
    );
    run_record.environments.push(p.record().clone());
    let back = w365_core::record::RunRecord::from_json(&run_record.to_json()).unwrap();
    assert_eq!(back, run_record);
    let md = run_record.to_markdown();
    assert!(
        md.contains("configured and verified")
            && md.contains("| POST |")
            && md.contains("admin@contoso.onmicrosoft.com"),
        "{md}"
    );
}
