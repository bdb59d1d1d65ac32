//! The UI's own logic, tested in Chromium: row status from a run record, filter and sort, the
//! live step list, the run record's sessionStorage round trip, the prompter's answer channel.
#![cfg(target_arch = "wasm32")]

use futures_util::FutureExt;
use leptos::prelude::*;
use w365_appuser::cloud_choice;
use w365_appuser::run::guide_progress;
use w365_appuser::run::prompter::UiPrompter;
use w365_appuser::run::store::{self, Saved, Slot};
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
fn a_write_on_its_way_at_a_cancel_is_shown_as_unknown_not_failed() {
    let dv = Dataverse::new(ORIGIN);
    let mut board = StepBoard::inspecting();
    board.set_plan(&plan());
    board.on_sent(&dv.create_app_user(
        &AppId::parse(WORK365_US_APP_ID).unwrap(),
        &BusinessUnitId::parse(&guid(1)).unwrap(),
    ));
    board.finish(&run_with(Outcome::Failed {
        error: w365_core::procedure::ProcedureError::CancelledWithWritesInDoubt {
            writes: vec!["create the application user".into()],
        },
    }));
    let statuses: Vec<_> = board.steps.iter().map(|s| s.status.key()).collect();
    assert_eq!(
        statuses,
        ["done", "unknown", "skipped", "skipped", "skipped"]
    );
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
    let unfinished = w365_core::resume::StoredRun {
        operator: "admin@contoso.onmicrosoft.com".into(),
        cloud: "public".into(),
        mode: "setup".into(),
        batch: false,
        environments: vec![guid(7)],
        finished: Vec::new(),
        data_center: Some(WORK365_US_APP_ID.into()),
        plan_confirmed: true,
        saved_at_ms: 1,
    };
    saved.set_unfinished(Slot::View, Some(&unfinished));
    saved.add_run(run_with(Outcome::Cancelled), 2);
    store::save(&saved);
    let loaded = store::load().expect("saved session");
    assert_eq!(loaded.unfinished(Slot::View), saved.unfinished(Slot::View));
    assert_eq!(
        serde_json::from_str::<w365_core::resume::StoredRun>(
            &loaded.unfinished(Slot::View).unwrap()
        )
        .unwrap(),
        unfinished
    );
    assert_eq!(loaded.unfinished(Slot::Batch), None);
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

#[wasm_bindgen_test]
async fn one_sign_in_answers_every_run_waiting_for_it_in_every_prompter() {
    let owner = Owner::new();
    owner.set();
    // MSAL is not started here, so every silent renewal fails: each run waits for the admin.
    let endpoints = Cloud::Public.endpoints();
    let batch = UiPrompter::new(Some(endpoints.clone()), None);
    let view = UiPrompter::new(Some(endpoints), None);
    let waits = futures_util::future::join3(
        batch.renew_sign_in("https://contoso001.crm.dynamics.com"),
        batch.renew_sign_in("https://contoso002.crm.dynamics.com"),
        view.renew_sign_in("https://contosoprod.crm.dynamics.com"),
    );
    let admin = async {
        for _ in 0..200 {
            if batch.renewal().get_untracked().len() == 2
                && view.renewal().get_untracked().len() == 1
            {
                break;
            }
            w365_appuser::run::clock::sleep_ms(10).await;
        }
        assert_eq!(
            batch.renewal().get_untracked().len(),
            2,
            "both batch runs wait"
        );
        assert_eq!(view.renewal().get_untracked().len(), 1);
        // One sign-in, from either panel.
        w365_appuser::run::prompter::signed_in_again_everywhere();
    };
    let ((a, b, c), ()) = futures_util::future::join(waits, admin).await;
    // Every run woke and asked MSAL again for its own resource (which fails here, as MSAL
    // is not started): none is left waiting.
    assert!(a.is_err() && b.is_err() && c.is_err());
    assert!(batch.renewal().get_untracked().is_empty());
    assert!(view.renewal().get_untracked().is_empty());
}

#[wasm_bindgen_test]
fn unknown_vendor_consent_is_listed_for_the_chosen_data_center_or_every_one_asked() {
    use w365_core::graph::Consent;
    use w365_core::preset::WORK365_EU_APP_ID;
    use w365_core::procedure::inspection::Inspection;
    let us = AppId::parse(WORK365_US_APP_ID).unwrap();
    let eu = AppId::parse(WORK365_EU_APP_ID).unwrap();
    let unknown = || Consent::Unknown {
        reason: "no Microsoft Graph token without a sign-in: AADSTS65001".into(),
    };
    let mut run = run_with(Outcome::Stopped {
        assessment: Assessment::NeedsSetup { plan: plan() },
    });
    run.inspection = Some(Inspection {
        consent: vec![(us.clone(), unknown()), (eu.clone(), unknown())],
        ..Inspection::default()
    });
    // No data center chosen yet: both apps Graph could not tell about.
    let info = RowInfo::from_run(&run, None);
    let apps: Vec<_> = info
        .consent_unknown
        .iter()
        .map(|c| c.app_id.clone())
        .collect();
    assert_eq!(apps, [us.clone(), eu.clone()]);
    assert!(info.consent_unknown[0].reason.contains("AADSTS65001"));
    assert_eq!(info.consent_unknown[0].label, "United States");
    // Chosen: that one only.
    run.data_center = Some(eu.clone());
    let info = RowInfo::from_run(&run, None);
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
    assert!(RowInfo::from_run(&run, None).consent_unknown.is_empty());
}
