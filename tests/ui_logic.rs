//! The app's own logic, tested in Chromium: filter and sort, what the live region announces
//! as a run's snapshot moves on, the run record's sessionStorage round trip, the prompter's
//! answer channel, and how a run's end reads in its row. The row verdict and the step list are
//! the core's, tested natively (`crates/core/tests/row_verdict.rs`, `run_view.rs`).
#![cfg(target_arch = "wasm32")]
// Test code may unwrap; clippy does not see `#[wasm_bindgen_test]` functions as tests
// (clippy.toml's `allow-unwrap-in-tests` covers `#[test]` only).
#![allow(clippy::unwrap_used)]

use futures_util::FutureExt;
use leptos::prelude::*;
use w365_appuser::cloud_choice;
use w365_appuser::run::batch::note_lock_wait;
use w365_appuser::run::guide_progress;
use w365_appuser::run::prompter::UiPrompter;
use w365_appuser::run::session::RunEnd;
use w365_appuser::run::setup::announcement;
use w365_appuser::run::store::{self, Saved, Slot};
use w365_appuser::run::tab_storage::TabStorage;
use w365_appuser::ui::dashboard::filter::{visible, RowKey, SortKey};
use w365_core::cloud::Cloud;
use w365_core::driver::Prompter;
use w365_core::ids::{AppId, BusinessUnitId, EnvironmentId, RoleId};
use w365_core::preset::{WORK365_PORTAL_ROLE, WORK365_SERVICE_ROLE, WORK365_US_APP_ID};
use w365_core::procedure::assessment::{Plan, PlannedWrite};
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Mode, Outcome, RunStage, RunView, RunWait, WaitReason};
use w365_core::record::{EnvironmentRef, EnvironmentRun, Operator};
use w365_core::row::RowStatus;
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
        finished_at_ms: Some(1),
        outcome: Some(outcome),
        ..EnvironmentRun::empty(env(), "work365", "assess")
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
                role_name: WORK365_SERVICE_ROLE.into(),
            },
            PlannedWrite::AssignRole {
                role_id: RoleId::parse(&guid(3)).unwrap(),
                role_name: WORK365_PORTAL_ROLE.into(),
            },
        ],
    }
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

fn snapshot() -> RunView {
    RunView {
        environment: env(),
        mode: Mode::Setup,
        stage: RunStage::Inspect,
        plan: None,
        question: None,
        wait: None,
        evidence: None,
        product: None,
        steps: Vec::new(),
        outcome: None,
    }
}

#[wasm_bindgen_test]
fn the_live_region_announces_what_a_new_snapshot_brings_once() {
    let inspecting = snapshot();
    assert_eq!(announcement(None, &inspecting), None);
    let asked = RunView {
        stage: RunStage::ConfirmPlan,
        plan: Some(plan()),
        question: Some(Prompt::ConfirmPlan { plan: plan() }),
        ..snapshot()
    };
    assert_eq!(
        announcement(Some(&inspecting), &asked).as_deref(),
        Some("The plan is ready: 3 write(s).")
    );
    // The same question, seen again: nothing new to say.
    assert_eq!(announcement(Some(&asked), &asked), None);
    let throttled = RunView {
        wait: Some(RunWait::Timer {
            until_ms: 5_000,
            reason: WaitReason::Throttled { retry_after_s: 5 },
        }),
        ..snapshot()
    };
    assert_eq!(
        announcement(Some(&inspecting), &throttled).as_deref(),
        Some("Throttled by Dataverse; continuing in 5 seconds.")
    );
    let locked = RunView {
        stage: RunStage::Lock,
        wait: Some(RunWait::Lock { since_ms: 1 }),
        ..snapshot()
    };
    assert!(announcement(Some(&inspecting), &locked).is_some_and(|t| t.contains("Another tab")));
    assert_eq!(announcement(Some(&locked), &locked), None);
    let guiding = RunView {
        stage: RunStage::Guide,
        question: Some(Prompt::GuideStep {
            index: 1,
            total: 4,
            text: "Open Work 365's settings".into(),
            deep_link: None,
            app_id: AppId::parse(WORK365_US_APP_ID).unwrap(),
            evidence: None,
        }),
        ..snapshot()
    };
    assert_eq!(
        announcement(Some(&asked), &guiding).as_deref(),
        Some("Verified. Switch Work 365: step 2 of 4.")
    );
}

#[wasm_bindgen_test]
fn the_batch_lists_an_environment_as_waiting_for_a_lock_exactly_while_its_snapshot_says_so() {
    let owner = Owner::new();
    owner.set();
    let waits = RwSignal::new(Vec::<EnvironmentRef>::new());
    let waiting = RunView {
        stage: RunStage::Lock,
        wait: Some(RunWait::Lock { since_ms: 1 }),
        ..snapshot()
    };
    note_lock_wait(waits, &waiting);
    note_lock_wait(waits, &waiting);
    assert_eq!(waits.get_untracked(), vec![env()], "listed once");
    let other = RunView {
        environment: EnvironmentRef {
            name: "Fabrikam".into(),
            url: "https://fabrikam.crm.dynamics.com".into(),
            ..env()
        },
        ..waiting.clone()
    };
    note_lock_wait(waits, &other);
    assert_eq!(waits.get_untracked().len(), 2);
    // The lock was granted: the run writes now.
    note_lock_wait(
        waits,
        &RunView {
            stage: RunStage::Write,
            ..snapshot()
        },
    );
    assert_eq!(waits.get_untracked(), vec![other.environment]);
}

#[wasm_bindgen_test]
fn the_run_record_survives_a_round_trip_through_session_storage() {
    store::clear();
    let kv = TabStorage;
    let operator = Operator {
        upn: "admin@contoso.onmicrosoft.com".into(),
        tenant_id: None,
    };
    let mut saved = Saved::begin(&kv, operator, "public", 1);
    let unfinished = w365_core::resume::StoredRun {
        operator: "admin@contoso.onmicrosoft.com".into(),
        cloud: "public".into(),
        mode: "setup".into(),
        batch: false,
        environments: vec![guid(7), guid(8)],
        finished: Vec::new(),
        data_center: Some(WORK365_US_APP_ID.into()),
        plan_confirmed: true,
        saved_at_ms: 1,
    };
    saved.set_unfinished(&kv, Slot::View, Some(unfinished.clone()));
    saved.add_run(&kv, run_with(Outcome::Cancelled), 2);
    saved.add_finished(&kv, Slot::View, guid(7), 3);
    assert_eq!(saved.save_failed(), None);
    let (loaded, found) = store::load(&kv).expect("saved session");
    let expected = w365_core::resume::StoredRun {
        finished: vec![guid(7)],
        saved_at_ms: 3,
        ..unfinished
    };
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].0, Slot::View);
    assert_eq!(
        serde_json::from_str::<w365_core::resume::StoredRun>(&found[0].1).unwrap(),
        expected
    );
    assert_eq!(loaded.unfinished(Slot::Batch), None);
    assert_eq!(loaded.run_count(), 1);
    assert_eq!(loaded.record.operator, saved.record.operator);
    // Runs from before the reload pass through to the report unchanged.
    let report: serde_json::Value = serde_json::from_str(&loaded.report_json()).unwrap();
    let original: serde_json::Value = serde_json::from_str(&saved.report_json()).unwrap();
    assert_eq!(report["environments"], original["environments"]);
    assert_eq!(report["schema_version"], 1);
    let storage = web_sys::window()
        .unwrap()
        .session_storage()
        .unwrap()
        .unwrap();
    for i in 0..storage.length().unwrap() {
        let key = storage.key(i).unwrap().unwrap();
        let raw = storage.get_item(&key).unwrap().unwrap();
        assert!(!raw.contains("eyJ"), "no token-like text is stored");
    }
    store::clear();
    assert_eq!(store::load(&kv), None);
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
    let env_a = EnvironmentId::parse("env-a").unwrap();
    let env_b = EnvironmentId::parse("env-b").unwrap();
    guide_progress::save(&env_a, 2);
    assert_eq!(guide_progress::confirmed(&env_a), 2);
    assert_eq!(
        guide_progress::confirmed(&env_b),
        0,
        "another environment's progress is not resumed"
    );
    guide_progress::clear();
    assert_eq!(guide_progress::confirmed(&env_a), 0);

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
