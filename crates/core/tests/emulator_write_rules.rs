//! The product's writes against the tenant emulator where Microsoft's behaviour is documented,
//! and where the emulator had to guess: for every guess the product depends on, the emulator is
//! made to answer the other way (a fault) and the run must still end well — configured, or
//! stopped or failed with Dataverse's own words and a remedy, never with a second application
//! user. The order of writes, creates however they are answered, associations and removals; the
//! reads are in `emulator_read_rules.rs`.
//!
//! Run: `cargo test -p w365-core --test emulator_write_rules`

#[path = "support/native.rs"]
mod native;
#[path = "support/emulator_runs.rs"]
mod runs;

use native::{discover, run_instances, NativeClient};
use runs::{app_users, assert_configured_once, creates, fault, log_for, prod_only, start, PROD};
use serde_json::{json, Value};
use w365_core::discovery::{Instance, Listed};
use w365_core::error::Remedy;
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::{Mode, Outcome, ProcedureError};
use w365_core::record::EnvironmentRun;
use w365_emulator::RunningEmulator;

// ---- Point 4: enable, confirm, then roles; undo the other way round ----

#[tokio::test(flavor = "current_thread")]
async fn a_disabled_application_user_is_enabled_before_any_role_is_sent() {
    let emu = start("disabled-app-user");
    let client = NativeClient::new(&emu);
    // Slow the enable down: roles sent alongside it would reach a still disabled user.
    fault(
        &emu,
        json!({"method": "PATCH", "path": "/api/data/v9.2/systemusers(*", "action": {"latency_ms": 300}}),
    );
    let runs = prod_only(&client).await;
    assert_configured_once(&emu, &runs, PROD);
    let log = log_for(&emu.state_json(), PROD);
    let patch = log
        .iter()
        .position(|(r, _)| r.starts_with("PATCH "))
        .expect("enabled");
    let roles: Vec<&(String, Option<u64>)> = log
        .iter()
        .filter(|(r, _)| r.starts_with("POST ") && r.contains("systemuserroles_association"))
        .collect();
    assert_eq!(roles.len(), 1, "only the missing role");
    assert!(roles.iter().all(|(_, s)| *s == Some(204)), "{log:?}");
    let first_role = log
        .iter()
        .position(|(r, _)| r.contains("systemuserroles_association/$ref"))
        .unwrap();
    assert!(patch < first_role);
}

#[tokio::test(flavor = "current_thread")]
async fn a_role_refused_for_a_disabled_user_with_another_code_still_ends_configured() {
    // The emulator's refusal (403, UserNotEnabled) is a guess. Here the enable is acknowledged
    // but lost, and the first role is refused with another status and code: the product re-reads,
    // finds the user disabled, enables it and assigns the role.
    let emu = start("disabled-app-user");
    let client = NativeClient::new(&emu);
    fault(
        &emu,
        json!([
            {"method": "PATCH", "path": "/api/data/v9.2/systemusers(*", "action": {"status": 204}},
            {"method": "POST", "path": "*systemuserroles_association/$ref", "action": {"status": 400,
                "body": "{\"error\":{\"code\":\"0x80040203\",\"message\":\"Security roles cannot be assigned to a disabled user.\"}}"}}
        ]),
    );
    let runs = prod_only(&client).await;
    assert_configured_once(&emu, &runs, PROD);
    let log = log_for(&emu.state_json(), PROD);
    assert_eq!(
        log.iter().filter(|(r, _)| r.starts_with("PATCH ")).count(),
        2
    );
}

#[tokio::test(flavor = "current_thread")]
async fn undo_removes_the_roles_before_it_disables() {
    let emu = start("demo");
    let client = NativeClient::new(&emu);
    let sandbox = "contososandbox.crm.dynamics.com";
    let instance: Vec<Instance> = discover(&client)
        .await
        .into_iter()
        .filter_map(|l| match l {
            Listed::Usable(i) if i.url.ends_with(sandbox) => Some(i),
            _ => None,
        })
        .collect();
    let runs = run_instances(&client, &instance, 1, Mode::Undo).await;
    assert!(
        matches!(runs[0].outcome, Some(Outcome::Undone { evidence: Some(_) })),
        "{:?}",
        runs[0].outcome
    );
    let log = log_for(&emu.state_json(), sandbox);
    let deletes: Vec<usize> = log
        .iter()
        .enumerate()
        .filter(|(_, (r, _))| r.starts_with("DELETE "))
        .map(|(i, _)| i)
        .collect();
    let patch = log
        .iter()
        .position(|(r, _)| r.starts_with("PATCH "))
        .expect("disabled");
    assert_eq!(deletes.len(), 2);
    assert!(deletes.iter().all(|d| *d < patch), "{log:?}");
    let users = app_users(&emu.state_json(), sandbox);
    assert_eq!(users[0]["isdisabled"], true);
    assert_eq!(users[0]["roles"], json!([]));
}

// ---- Point 5: a refused or unanswered create is re-read before anything is concluded ----

async fn create_with(action: Value) -> (RunningEmulator, Vec<EnvironmentRun>) {
    let emu = start("demo");
    fault(
        &emu,
        json!({"method": "POST", "path": "/api/data/v9.2/systemusers", "host": PROD, "action": action}),
    );
    let runs = {
        let client = NativeClient::new(&emu);
        prod_only(&client).await
    };
    (emu, runs)
}

#[tokio::test(flavor = "current_thread")]
async fn a_create_that_took_effect_is_adopted_however_it_was_answered() {
    for action in [
        // The duplicate as Microsoft's provider's mocks answer it: 400, no code.
        json!({"status": 400, "processed": true, "body": "{\"error\":{\"message\":\"A record with matching applicationid already exists.\"}}"}),
        // As Dataverse documents it.
        json!({"status": 412, "processed": true, "body": "{\"error\":{\"code\":\"0x80040237\",\"message\":\"A record with matching key values already exists.\"}}"}),
        // A 500 after the write took effect.
        json!({"status": 500, "processed": true, "body": "{\"error\":{\"code\":\"0x80040216\",\"message\":\"An unexpected error occurred.\"}}"}),
        // No answer at all.
        json!({"drop": "after"}),
    ] {
        let (emu, runs) = create_with(action.clone()).await;
        assert_configured_once(&emu, &runs, PROD);
        assert_eq!(
            creates(&emu.state_json(), PROD),
            1,
            "{action}: never created twice"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_create_that_did_not_take_effect_is_re_read_then_tried_once_more_or_refused() {
    // 5xx or no answer before anything happened: re-read, then one more create.
    for action in [
        json!({"status": 503, "content_type": "text/html", "body": "<html><body>Service Unavailable</body></html>"}),
        json!({"drop": "before"}),
    ] {
        let (emu, runs) = create_with(action.clone()).await;
        assert_configured_once(&emu, &runs, PROD);
        assert_eq!(creates(&emu.state_json(), PROD), 2, "{action}");
    }
    // A 4xx with nothing behind it: the refusal, verbatim, and no second create.
    let (emu, runs) = create_with(json!({"status": 400,
        "body": "{\"error\":{\"code\":\"0x80048306\",\"message\":\"The service principal for this application was not found.\"}}"})).await;
    let Some(Outcome::Failed {
        error: ProcedureError::Api { remedy, .. },
    }) = &runs[0].outcome
    else {
        panic!("{:?}", runs[0].outcome)
    };
    assert_eq!(
        remedy,
        &Remedy::ReadServiceMessage {
            code: Some("0x80048306".into()),
            message: "The service principal for this application was not found.".into()
        }
    );
    let state = emu.state_json();
    assert_eq!(creates(&state, PROD), 1);
    assert!(app_users(&state, PROD).is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_missing_service_principal_is_reported_in_dataverse_s_words_whatever_they_are() {
    // Graph cannot tell (no consent read): the create goes out and Dataverse refuses it. The
    // emulator's refusal is a guess; answered with another status and code, the run still ends
    // with that refusal verbatim, after a re-read, and nothing created.
    for action in [
        None,
        Some(
            json!({"status": 403, "body": "{\"error\":{\"code\":\"0x80072560\",\"message\":\"The application is not allowed in this tenant.\"}}"}),
        ),
    ] {
        let emu = start("not-consented");
        fault(
            &emu,
            json!({"method": "GET", "path": "/v1.0/servicePrincipals*", "count": 10,
                "action": {"status": 200, "body": format!("{{\"id\":\"9d1e2f3a-4b5c-4d6e-8f70-81a2b3c4d5e1\",\"appId\":\"{US}\",\"displayName\":\"Work 365\"}}")}}),
        );
        if let Some(a) = &action {
            fault(
                &emu,
                json!({"method": "POST", "path": "/api/data/v9.2/systemusers", "action": a}),
            );
        }
        let client = NativeClient::new(&emu);
        let runs = prod_only(&client).await;
        let Some(Outcome::Failed { error }) = &runs[0].outcome else {
            panic!("{action:?}: {:?}", runs[0].outcome)
        };
        let text = error.remedy().text();
        let expected = if action.is_some() {
            "The application is not allowed in this tenant."
        } else {
            "was not found in the directory"
        };
        assert!(text.contains(expected), "{text}");
        let state = emu.state_json();
        assert_eq!(creates(&state, PROD), 1);
        assert!(app_users(&state, PROD).is_empty());
    }
}

// ---- Point 10: other guesses the product depends on ----

#[tokio::test(flavor = "current_thread")]
async fn an_association_answered_412_is_re_read() {
    // The emulator answers an already associated role with 204 (a guess); Dataverse may say
    // 412 duplicate instead. Here the role is assigned and the answer is the 412.
    let emu = start("demo");
    fault(
        &emu,
        json!({"method": "POST", "path": "*systemuserroles_association/$ref", "host": PROD,
            "action": {"status": 412, "processed": true,
                "body": "{\"error\":{\"code\":\"0x80040237\",\"message\":\"Cannot insert duplicate key.\"}}"}}),
    );
    let client = NativeClient::new(&emu);
    let runs = prod_only(&client).await;
    assert_configured_once(&emu, &runs, PROD);
    let log = log_for(&emu.state_json(), PROD);
    assert_eq!(
        log.iter()
            .filter(|(r, _)| r.contains("systemuserroles_association/$ref"))
            .count(),
        2,
        "each role sent once: the re-read shows the 412 one held"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_removal_answered_404_is_re_read() {
    // The emulator answers removing a role not held with 204 (a guess); Dataverse may say 404.
    let emu = start("demo");
    let sandbox = "contososandbox.crm.dynamics.com";
    fault(
        &emu,
        json!({"method": "DELETE", "path": "*systemuserroles_association/$ref", "host": sandbox,
            "action": {"status": 404, "processed": true,
                "body": "{\"error\":{\"code\":\"0x80040217\",\"message\":\"The association does not exist.\"}}"}}),
    );
    let client = NativeClient::new(&emu);
    let instance: Vec<Instance> = discover(&client)
        .await
        .into_iter()
        .filter_map(|l| match l {
            Listed::Usable(i) if i.url.ends_with(sandbox) => Some(i),
            _ => None,
        })
        .collect();
    let runs = run_instances(&client, &instance, 1, Mode::Undo).await;
    assert!(
        matches!(runs[0].outcome, Some(Outcome::Undone { evidence: Some(_) })),
        "{:?}",
        runs[0].outcome
    );
    let users = app_users(&emu.state_json(), sandbox);
    assert_eq!(users[0]["isdisabled"], true);
    assert_eq!(users[0]["roles"], json!([]));
}
