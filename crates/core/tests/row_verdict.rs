//! The dashboard row's verdict, read off a run's record: status, reason, remedy, version,
//! application user, roles and unknown consent (moved here from the app's browser tests).

use w365_core::dataverse::solutions::Solution;
use w365_core::error::{ApiError, Remedy};
use w365_core::graph::Consent;
use w365_core::ids::{AppId, BusinessUnitId, RoleId, SystemUserId};
use w365_core::preset::{
    Preset, WORK365_EU_APP_ID, WORK365_PORTAL_ROLE, WORK365_SERVICE_ROLE, WORK365_US_APP_ID,
};
use w365_core::procedure::assessment::{
    Assessment, BlockReason, Evidence, Plan, PlannedWrite, ProductFinding, VersionVerdict,
};
use w365_core::procedure::inspection::Inspection;
use w365_core::procedure::{Outcome, ProcedureError};
use w365_core::record::{EnvironmentRef, EnvironmentRun};
use w365_core::row::{AppUserState, RowInfo, RowStatus};

fn run_with(outcome: Outcome) -> EnvironmentRun {
    let contoso = EnvironmentRef {
        id: None,
        name: "Contoso".into(),
        url: "https://contoso.crm.dynamics.com".into(),
    };
    EnvironmentRun {
        finished_at_ms: Some(1),
        outcome: Some(outcome),
        ..EnvironmentRun::empty(contoso, "work365", "assess")
    }
}

fn guid(n: u32) -> String {
    format!("00000000-0000-0000-0000-{n:012}")
}

fn us() -> AppId {
    AppId::parse(WORK365_US_APP_ID).expect("a well-formed id")
}

fn plan() -> Plan {
    Plan {
        steps: vec![
            PlannedWrite::CreateAppUser {
                app_id: us(),
                business_unit_id: BusinessUnitId::parse(&guid(1)).expect("a well-formed id"),
            },
            PlannedWrite::AssignRole {
                role_id: RoleId::parse(&guid(2)).expect("a well-formed id"),
                role_name: WORK365_SERVICE_ROLE.into(),
            },
        ],
    }
}

fn row(run: &EnvironmentRun) -> RowInfo {
    RowInfo::from_run(run, &Preset::work365(), None)
}

#[test]
fn each_assessment_maps_to_its_documented_row_status() {
    let stopped = |assessment| run_with(Outcome::Stopped { assessment });
    let cases = [
        (
            stopped(Assessment::NotInstalled {
                found: None,
                remedy: Remedy::TryLater,
            }),
            "not-installed",
        ),
        (
            stopped(Assessment::CallerLacksPrivileges {
                remedy: Remedy::NotSystemAdministrator,
            }),
            "no-access",
        ),
        (
            stopped(Assessment::VendorNotConsented {
                app_id: us(),
                remedy: Remedy::ConsentVendorApp {
                    consent_url: "https://login/adminconsent".into(),
                },
            }),
            "not-consented",
        ),
        (
            stopped(Assessment::NeedsSetup { plan: plan() }),
            "needs-setup",
        ),
        (run_with(Outcome::Cancelled), "error"),
    ];
    for (run, expected) in cases {
        let info = row(&run);
        assert_eq!(info.status.key(), expected, "{:?}", run.outcome);
        assert!(!info.reason.is_empty());
    }
    // Without an inspection nothing is known about the product and no user is present.
    let info = row(&run_with(Outcome::Cancelled));
    assert_eq!(info.product, None);
    assert_eq!(info.version_text(), "not inspected");
    assert_eq!(info.app_user, AppUserState::Absent);
}

#[test]
fn a_disabled_environment_s_row_is_blocked_not_inspected_and_says_what_to_do() {
    let run = run_with(Outcome::Stopped {
        assessment: Assessment::Blocked {
            reason: BlockReason::EnvironmentDisabled,
            remedy: Remedy::EnableEnvironment,
        },
    });
    let info = row(&run);
    assert_eq!(info.status, RowStatus::Blocked);
    assert!(!info.inspected);
    assert!(info.reason.contains("disabled"), "{}", info.reason);
    assert!(info
        .remedy
        .as_deref()
        .is_some_and(|r| r.contains("Power Platform admin center") && r.contains("Re-enable")));
    assert_eq!(info.version_text(), "not inspected");
}

#[test]
fn the_version_column_names_its_solution_or_warns_that_it_is_unknown() {
    let finding = |version: Option<&str>, verdict| ProductFinding {
        product: "Work 365".into(),
        required: "3.5".into(),
        roles_found: true,
        solutions: Vec::new(),
        version_from: version.map(|v| Solution {
            uniquename: "w365_Core".into(),
            friendlyname: Some("Work 365 Core Solution".into()),
            version: Some(v.into()),
        }),
        version: version.map(str::to_owned),
        verdict,
    };
    let mut run = run_with(Outcome::Cancelled);
    run.requests = 9;
    run.inspection = Some(Inspection {
        product: Some(finding(Some("3.6.0.3"), VersionVerdict::Sufficient)),
        ..Inspection::default()
    });
    let info = row(&run);
    assert_eq!(info.version_text(), "3.6.0.3");
    assert_eq!(
        info.version_source().as_deref(),
        Some("read from solution w365_Core (“Work 365 Core Solution”)")
    );
    assert_eq!(info.version_note(), None);
    run.inspection = Some(Inspection {
        product: Some(finding(None, VersionVerdict::Unknown)),
        ..Inspection::default()
    });
    let info = row(&run);
    assert_eq!(info.version_text(), "installed, version unknown");
    assert_eq!(info.version_source(), None);
    assert!(info
        .version_note()
        .is_some_and(|n| n.contains("3.5 or later")));
}

#[test]
fn after_writes_the_row_shows_the_read_back_not_the_inspection() {
    let evidence = Evidence {
        user_id: SystemUserId::parse(&guid(9)).unwrap(),
        app_id: us(),
        business_unit_id: None,
        business_unit_name: None,
        enabled: true,
        roles: Vec::new(),
        missing_roles: vec![WORK365_PORTAL_ROLE.into()],
        read_at_ms: 1,
    };
    let mut run = run_with(Outcome::Configured {
        evidence: evidence.clone(),
        already: false,
    });
    run.evidence = Some(evidence);
    let info = row(&run);
    assert_eq!(info.status, RowStatus::Configured);
    assert_eq!(info.app_user, AppUserState::Present);
    assert_eq!(
        info.roles,
        vec![
            (WORK365_SERVICE_ROLE.to_owned(), true),
            (WORK365_PORTAL_ROLE.to_owned(), false)
        ]
    );
}

#[test]
fn a_refused_read_as_non_administrator_is_no_access_with_the_remedy() {
    let run = run_with(Outcome::Failed {
        error: ProcedureError::Api {
            step: "read who is signed in".into(),
            error: ApiError::Refused {
                status: 403,
                code: None,
                message: None,
                retry_after_s: None,
            },
            remedy: Remedy::NotSystemAdministrator,
        },
    });
    let info = row(&run);
    assert_eq!(info.status, RowStatus::NoAccess);
    assert!(info.remedy.unwrap().contains("System Administrator"));
}

#[test]
fn statuses_have_stable_keys_and_sort_what_needs_the_admin_first() {
    assert_eq!(RowStatus::from_key("blocked"), Some(RowStatus::Blocked));
    assert_eq!(RowStatus::from_key("all"), None);
    for s in RowStatus::ALL {
        assert_eq!(RowStatus::from_key(s.key()), Some(s));
    }
    assert!(RowStatus::NeedsSetup.rank() < RowStatus::Configured.rank());
}

#[test]
fn unknown_vendor_consent_is_listed_for_the_chosen_data_center_or_every_one_asked() {
    let eu = AppId::parse(WORK365_EU_APP_ID).unwrap();
    let unknown = || Consent::Unknown {
        reason: "no Microsoft Graph token without a sign-in: AADSTS65001".into(),
    };
    let mut run = run_with(Outcome::Stopped {
        assessment: Assessment::NeedsSetup { plan: plan() },
    });
    run.inspection = Some(Inspection {
        consent: vec![(us(), unknown()), (eu.clone(), unknown())],
        ..Inspection::default()
    });
    // No data center chosen yet: both apps Graph could not tell about.
    let info = row(&run);
    let apps: Vec<_> = info
        .consent_unknown
        .iter()
        .map(|c| c.app_id.clone())
        .collect();
    assert_eq!(apps, [us(), eu.clone()]);
    assert!(info.consent_unknown[0].reason.contains("AADSTS65001"));
    assert_eq!(
        info.consent_unknown[0].label,
        Preset::work365().data_centers[0].label
    );
    // Chosen: that one only.
    run.data_center = Some(eu.clone());
    let info = row(&run);
    let apps: Vec<_> = info
        .consent_unknown
        .iter()
        .map(|c| c.app_id.clone())
        .collect();
    assert_eq!(apps, std::slice::from_ref(&eu));
    // Known consent is no note.
    run.inspection = Some(Inspection {
        consent: vec![(eu, Consent::Absent)],
        ..Inspection::default()
    });
    assert!(row(&run).consent_unknown.is_empty());
}
