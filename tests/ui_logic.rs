//! The UI's own logic, tested in Chromium: row status from a run record, filter and sort, the
//! live step list, the run record's sessionStorage round trip, the prompter's answer channel.
#![cfg(target_arch = "wasm32")]

use futures_util::FutureExt;
use leptos::prelude::*;
use w365_appuser::cloud_choice;
use w365_appuser::run::guide_progress;
use w365_appuser::run::prompter::UiPrompter;
use w365_appuser::run::store::{self, ActiveRun, Saved};
use w365_appuser::ui::dashboard::filter::{visible, RowKey, SortKey};
use w365_appuser::ui::dashboard::row_status::{AppUserState, RowInfo, RowStatus};
use w365_appuser::ui::environment::steps::{StepBoard, StepStatus};
use w365_appuser::ui::session::RunEnd;
use w365_core::cloud::Cloud;
use w365_core::dataverse::solutions::Solution;
use w365_core::dataverse::Dataverse;
use w365_core::driver::Prompter;
use w365_core::error::Remedy;
use w365_core::ids::{AppId, BusinessUnitId, RoleId, SystemUserId};
use w365_core::preset::WORK365_US_APP_ID;
use w365_core::procedure::assessment::{
    Assessment, BlockReason, Plan, PlannedWrite, ProductFinding, VersionVerdict,
};
use w365_core::procedure::inspection::Inspection;
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Mode, Outcome};
use w365_core::record::{EnvironmentRef, EnvironmentRun, Operator};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const ORIGIN: &str = "https://contoso.crm.dynamics.com";

fn env() -> EnvironmentRef {
    EnvironmentRef {
        id: None,
        name: "Contoso".into(),
        url: ORIGIN.into(),
    }
}

fn run_with(outcome: Outcome) -> EnvironmentRun {
    EnvironmentRun {
        environment: env(),
        preset: "work365".into(),
        mode: "assess".into(),
        data_center: None,
        started_at_ms: 0,
        finished_at_ms: Some(1),
        inspection: None,
        assessment: None,
        plan: None,
        writes: Vec::new(),
        evidence: None,
        confirmations: Vec::new(),
        waits: Vec::new(),
        stages: Vec::new(),
        round_trips: 0,
        requests: 0,
        outcome: Some(outcome),
    }
}

fn guid(n: u32) -> String {
    format!("00000000-0000-0000-0000-{n:012}")
}

fn plan() -> Plan {
    Plan {
        steps: vec![
            PlannedWrite::CreateAppUser {
                app_id: AppId::parse(WORK365_US_APP_ID).unwrap(),
                business_unit_id: BusinessUnitId::parse(&guid(1)).unwrap(),
            },
            PlannedWrite::AssignRole {
                role_id: RoleId::parse(&guid(2)).unwrap(),
                role_name: "Work 365 Service".into(),
            },
            PlannedWrite::AssignRole {
                role_id: RoleId::parse(&guid(3)).unwrap(),
                role_name: "Work 365 Portal Service".into(),
            },
        ],
    }
}

#[wasm_bindgen_test]
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
                app_id: AppId::parse(WORK365_US_APP_ID).unwrap(),
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
        let info = RowInfo::from_run(&run, None);
        assert_eq!(info.status.key(), expected, "{:?}", run.outcome);
        assert!(!info.reason.is_empty());
    }
    // Without an inspection nothing is known about the product and no user is present.
    let info = RowInfo::from_run(&run_with(Outcome::Cancelled), None);
    assert_eq!(info.product, None);
    assert_eq!(info.version_text(), "not inspected");
    assert_eq!(info.app_user, AppUserState::Absent);
}

#[wasm_bindgen_test]
fn a_disabled_environment_s_row_is_blocked_not_inspected_and_says_what_to_do() {
    let run = run_with(Outcome::Stopped {
        assessment: Assessment::Blocked {
            reason: BlockReason::EnvironmentDisabled,
            remedy: Remedy::EnableEnvironment,
        },
    });
    let info = RowInfo::from_run(&run, None);
    assert_eq!(info.status, RowStatus::Blocked);
    assert!(!info.inspected);
    assert!(info.reason.contains("disabled"), "{}", info.reason);
    assert!(info
        .remedy
        .as_deref()
        .is_some_and(|r| r.contains("Power Platform admin center") && r.contains("Re-enable")));
    assert_eq!(info.version_text(), "not inspected");
}

#[wasm_bindgen_test]
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
    let info = RowInfo::from_run(&run, None);
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
    let info = RowInfo::from_run(&run, None);
    assert_eq!(info.version_text(), "installed, version unknown");
    assert_eq!(info.version_source(), None);
    assert!(info
        .version_note()
        .is_some_and(|n| n.contains("3.5 or later")));
}

#[wasm_bindgen_test]
fn after_writes_the_row_shows_the_read_back_not_the_inspection() {
    let evidence = w365_core::procedure::assessment::Evidence {
        user_id: SystemUserId::parse(&guid(9)).unwrap(),
        app_id: AppId::parse(WORK365_US_APP_ID).unwrap(),
        business_unit_id: None,
        business_unit_name: None,
        enabled: true,
        roles: Vec::new(),
        missing_roles: vec!["Work 365 Portal Service".into()],
        read_at_ms: 1,
    };
    let mut run = run_with(Outcome::Configured {
        evidence: evidence.clone(),
        already: false,
    });
    run.evidence = Some(evidence);
    let info = RowInfo::from_run(&run, None);
    assert_eq!(info.status, RowStatus::Configured);
    assert_eq!(info.app_user, AppUserState::Present);
    assert_eq!(
        info.roles,
        vec![
            ("Work 365 Service".to_owned(), true),
            ("Work 365 Portal Service".to_owned(), false)
        ]
    );
}

#[wasm_bindgen_test]
fn a_refused_read_as_non_administrator_is_no_access_with_the_remedy() {
    let run = run_with(Outcome::Failed {
        error: w365_core::procedure::ProcedureError::Api {
            step: "read who is signed in".into(),
            error: w365_core::error::ApiError::Refused {
                status: 403,
                code: None,
                message: None,
                retry_after_s: None,
            },
            remedy: Remedy::NotSystemAdministrator,
        },
    });
    let info = RowInfo::from_run(&run, None);
    assert_eq!(info.status, RowStatus::NoAccess);
    assert!(info.remedy.unwrap().contains("System Administrator"));
}

#[wasm_bindgen_test]
fn filter_matches_name_or_address_and_sorts_what_needs_the_admin_first() {
    let row = |name: &str, region: &str, status| RowKey {
        name: name.into(),
        url: format!("https://{}.crm.dynamics.com", name.to_lowercase()),
        region: region.into(),
        status,
    };
    let rows = vec![
        row("Beta", "EMEA", Some(RowStatus::Configured)),
        row("alpha", "NA", Some(RowStatus::NeedsSetup)),
        row("Gamma", "APAC", None),
    ];
    assert_eq!(visible(&rows, "", None, SortKey::Name), vec![1, 0, 2]);
    assert_eq!(visible(&rows, "", None, SortKey::Status), vec![1, 0, 2]);
    assert_eq!(visible(&rows, "", None, SortKey::Region), vec![2, 0, 1]);
    assert_eq!(visible(&rows, "BETA.crm", None, SortKey::Name), vec![0]);
    assert_eq!(
        visible(&rows, "", Some(RowStatus::NeedsSetup), SortKey::Name),
        vec![1]
    );
    assert_eq!(RowStatus::from_key("blocked"), Some(RowStatus::Blocked));
    assert_eq!(RowStatus::from_key("all"), None);
}

#[wasm_bindgen_test]
fn steps_follow_the_writes_and_settle_from_the_record() {
    let dv = Dataverse::new(ORIGIN);
    let mut board = StepBoard::inspecting();
    assert_eq!(board.steps[0].status, StepStatus::Running);
    board.set_plan(&plan());
    let keys: Vec<_> = board.steps.iter().map(|s| s.key.as_str()).collect();
    assert_eq!(
        keys,
        [
            "inspect",
            "create",
            "assign:Work 365 Service",
            "assign:Work 365 Portal Service",
            "verify"
        ]
    );
    let create = dv.create_app_user(
        &AppId::parse(WORK365_US_APP_ID).unwrap(),
        &BusinessUnitId::parse(&guid(1)).unwrap(),
    );
    board.on_sent(&create);
    assert_eq!(board.steps[1].status, StepStatus::Running);
    board.on_answered(&create, Some(204));
    assert_eq!(board.steps[1].status, StepStatus::Done);
    let user = SystemUserId::parse(&guid(9)).unwrap();
    let assign = dv.associate_role(&user, &RoleId::parse(&guid(3)).unwrap());
    board.on_sent(&assign);
    assert_eq!(board.steps[3].status, StepStatus::Running);
    assert_eq!(board.steps[2].status, StepStatus::Pending);
    // A doubtful answer stays running until the read-back decides.
    board.on_answered(&assign, None);
    assert_eq!(board.steps[3].status, StepStatus::Running);
    board.verified();
    let statuses: Vec<_> = board.steps.iter().map(|s| s.status).collect();
    assert_eq!(
        statuses,
        [
            StepStatus::Done,
            StepStatus::Done,
            StepStatus::Skipped,
            StepStatus::Done,
            StepStatus::Done
        ]
    );
}

#[wasm_bindgen_test]
fn a_failed_run_marks_the_step_in_flight_failed() {
    let mut board = StepBoard::inspecting();
    board.finish(&run_with(Outcome::Failed {
        error: w365_core::procedure::ProcedureError::Throttled { retry_after_s: 900 },
    }));
    assert_eq!(board.steps[0].status, StepStatus::Failed);
}

#[wasm_bindgen_test]
fn the_run_record_survives_a_round_trip_through_session_storage() {
    let mut saved = Saved::new(
        Operator {
            upn: "admin@contoso.onmicrosoft.com".into(),
            tenant_id: None,
        },
        "public",
        1,
    );
    saved.active = Some(ActiveRun {
        environment_id: guid(7),
        mode: Mode::Setup,
        data_center: AppId::parse(WORK365_US_APP_ID).ok(),
        plan_confirmed: true,
    });
    saved.add_run(run_with(Outcome::Cancelled), 2);
    store::save(&saved);
    let loaded = store::load().expect("saved session");
    assert_eq!(loaded.active, saved.active);
    assert_eq!(loaded.run_count(), 1);
    assert_eq!(loaded.record.operator, saved.record.operator);
    // Runs from before the reload pass through to the report unchanged.
    let report: serde_json::Value = serde_json::from_str(&loaded.report_json()).unwrap();
    let original: serde_json::Value = serde_json::from_str(&saved.report_json()).unwrap();
    assert_eq!(report["environments"], original["environments"]);
    assert_eq!(report["schema_version"], 1);
    let raw = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap()
        .get_item(store::KEY)
        .unwrap()
        .unwrap();
    assert!(!raw.contains("eyJ"), "no token-like text is stored");
    store::clear();
    assert_eq!(store::load(), None);
}

#[wasm_bindgen_test]
async fn an_answer_from_the_page_reaches_the_waiting_run() {
    let owner = Owner::new();
    owner.set();
    let prompter = UiPrompter::new(None, None);
    let asking = prompter.clone();
    let prompt = Prompt::ConfirmPlan { plan: plan() };
    let environment = env();
    let ask = asking.ask(&environment, &prompt);
    futures_util::pin_mut!(ask);
    // The question is visible to the page before it is answered.
    assert!(ask.as_mut().now_or_never().is_none());
    let questions = prompter.questions().get_untracked();
    assert_eq!(questions.len(), 1);
    assert_eq!(questions[0].prompt, prompt);
    prompter.answer(questions[0].id, PromptAnswer::Proceed);
    assert_eq!(ask.await, PromptAnswer::Proceed);
    assert!(prompter.questions().get_untracked().is_empty());
}

#[wasm_bindgen_test]
async fn cancel_wakes_a_waiting_prompt_and_stops_the_run() {
    let owner = Owner::new();
    owner.set();
    let prompter = UiPrompter::new(None, None);
    let environment = env();
    let prompt = Prompt::ConfirmPlan { plan: plan() };
    let ask = prompter.ask(&environment, &prompt);
    futures_util::pin_mut!(ask);
    assert!(ask.as_mut().now_or_never().is_none());
    prompter.cancel();
    let _ = ask.await;
    assert!(prompter.is_cancelled());
    assert!(prompter.renew_sign_in("https://x").await.is_err());
}

#[wasm_bindgen_test]
fn guide_progress_and_cloud_choice_survive_a_reload_and_are_forgotten() {
    guide_progress::save("env-a", 2);
    assert_eq!(guide_progress::confirmed("env-a"), 2);
    assert_eq!(
        guide_progress::confirmed("env-b"),
        0,
        "another environment's progress is not resumed"
    );
    guide_progress::clear();
    assert_eq!(guide_progress::confirmed("env-a"), 0);

    let offered = [Cloud::Public, Cloud::GccHigh];
    assert_eq!(cloud_choice::remembered(&offered), None);
    cloud_choice::remember(&Cloud::GccHigh);
    assert_eq!(cloud_choice::remembered(&offered), Some(Cloud::GccHigh));
    assert_eq!(
        cloud_choice::remembered(&[Cloud::Public]),
        None,
        "a cloud no longer offered is not used"
    );
    cloud_choice::forget();
    assert_eq!(cloud_choice::remembered(&offered), None);
}

#[wasm_bindgen_test]
fn a_run_end_names_how_it_ended_for_the_row() {
    let cancelled = RunEnd::of(&run_with(Outcome::Cancelled), Mode::Setup).expect("ended");
    assert!(cancelled.cancelled());
    assert_eq!(cancelled.summary(), "Setup cancelled; nothing was written");
    let mut unfinished = run_with(Outcome::Cancelled);
    unfinished.outcome = None;
    assert_eq!(RunEnd::of(&unfinished, Mode::Setup), None);
}
