//! The product's reads against the tenant emulator where Microsoft's behaviour is documented,
//! and where the emulator had to guess: for every guess the product depends on, the emulator is
//! made to answer the other way (a fault) and the run must still end well — configured, or
//! stopped or failed with Dataverse's own words and a remedy. Discovery, disabled environments,
//! the product's version, the caller's roles and unreadable answers; the writes are in
//! `emulator_write_rules.rs`.
//!
//! Run: `cargo test -p w365-core --test emulator_read_rules`

#[path = "support/native.rs"]
mod native;
#[path = "support/emulator_runs.rs"]
mod runs;

use native::{discover, run_all, run_instances, NativeClient};
use runs::{app_users, assert_configured_once, fault, log_for, prod_only, run_of, start, PROD};
use serde_json::json;
use w365_core::batch::DEFAULT_CONCURRENCY;
use w365_core::discovery::{Instance, Listed, UnusableReason};
use w365_core::error::Remedy;
use w365_core::procedure::assessment::{Assessment, BlockReason, VersionVerdict};
use w365_core::procedure::{Mode, Outcome};

// ---- Point 2 and 3: every environment is listed; a disabled one is never asked ----

#[tokio::test(flavor = "current_thread")]
async fn the_default_environment_is_listed_and_the_disabled_one_never_receives_a_request() {
    let emu = start("demo");
    let client = NativeClient::new(&emu);
    let listed = discover(&client).await;
    assert_eq!(listed.len(), 5);
    let tenant = emu.state_json()["tenant"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let default = listed
        .iter()
        .find_map(|l| match l {
            Listed::Usable(i) if i.environment_id.is_default() => Some(i.clone()),
            _ => None,
        })
        .expect("the default environment is listed");
    assert_eq!(default.environment_id.as_str(), format!("Default-{tenant}"));
    assert_eq!(default.friendly_name, "Contoso (default)");

    let runs = run_all(&client, DEFAULT_CONCURRENCY).await;
    assert_eq!(runs.len(), 5);
    let training = run_of(&runs, "contosotraining.crm.dynamics.com");
    assert!(matches!(
        &training.outcome,
        Some(Outcome::Stopped {
            assessment: Assessment::Blocked {
                reason: BlockReason::EnvironmentDisabled,
                remedy: Remedy::EnableEnvironment,
            }
        })
    ));
    assert_eq!(training.requests, 0);
    let state = emu.state_json();
    assert_eq!(
        log_for(&state, "contosotraining.crm.dynamics.com"),
        vec![],
        "no request at all to a disabled environment's host"
    );
    let default_run = run_of(&runs, "contosodefault.crm.dynamics.com");
    assert!(matches!(
        &default_run.outcome,
        Some(Outcome::Stopped {
            assessment: Assessment::NotInstalled { found: None, .. }
        })
    ));
    assert_eq!(
        default_run
            .environment
            .id
            .as_ref()
            .map(|i| i.as_str().to_owned()),
        Some(format!("Default-{tenant}"))
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_emulator_refuses_a_disabled_environment_and_the_product_says_enable_it() {
    // Our guess is 503 with Dataverse's OrganizationDisabled; answered 403 instead (an
    // environment disabled after discovery listed it enabled), the remedy is the same.
    let emu = start("demo");
    let client = NativeClient::new(&emu);
    fault(
        &emu,
        json!({"host": PROD, "path": "*", "count": 50, "action": {"status": 403,
            "body": "{\"error\":{\"code\":\"0x8004A104\",\"message\":\"The Dynamics 365 organization you are attempting to access is currently disabled.\"}}"}}),
    );
    let runs = prod_only(&client).await;
    let Some(Outcome::Failed { error }) = &runs[0].outcome else {
        panic!("{:?}", runs[0].outcome)
    };
    assert_eq!(error.remedy(), Remedy::EnableEnvironment);
    assert!(app_users(&emu.state_json(), PROD).is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn rows_discovery_lists_that_the_client_cannot_use_are_kept_and_the_rest_still_works() {
    let emu = start("demo");
    let client = NativeClient::new(&emu);
    let good = json!({"Id": "0d6b7f55-1f55-4c3b-9f3a-6a4e8b9c0d11", "EnvironmentId": "2f1d8c8e-1b0a-4f3e-9c7d-5a6b7c8d9e01",
        "UniqueName": "contosoprod", "FriendlyName": "Contoso Production", "Url": format!("https://{PROD}"), "State": 0});
    let body = json!({"value": [
        {"EnvironmentId": "Contoso Legacy/1", "FriendlyName": "Legacy", "Url": "https://legacy.crm.dynamics.com"},
        {"EnvironmentId": "3a9e0b3c-8a8d-4c61-9a43-0a1f2b3c4d5e", "FriendlyName": "No address"},
        {"EnvironmentId": "4b0f1c4d-9b9e-4d72-8b54-1b2a3c4d5e6f", "FriendlyName": "Plain", "Url": "http://plain.crm.dynamics.com"},
        good,
    ]});
    fault(
        &emu,
        json!({"method": "GET", "path": "/api/discovery/v2.0/Instances*", "action": {"status": 200, "body": body.to_string()}}),
    );
    let listed = discover(&client).await;
    let reasons: Vec<&str> = listed
        .iter()
        .map(|l| match l {
            Listed::Usable(_) => "usable",
            Listed::Unusable(u) => u.reason.key(),
        })
        .collect();
    assert_eq!(
        reasons,
        ["bad-environment-id", "missing-url", "not-https", "usable"]
    );
    let Listed::Unusable(u) = &listed[0] else {
        unreachable!()
    };
    assert_eq!(u.raw_id.as_deref(), Some("Contoso Legacy/1"));
    assert!(
        matches!(&u.reason, UnusableReason::BadEnvironmentId { detail } if detail.contains("Contoso Legacy/1"))
    );
    let usable: Vec<Instance> = listed
        .into_iter()
        .filter_map(|l| match l {
            Listed::Usable(i) => Some(i),
            Listed::Unusable(_) => None,
        })
        .collect();
    let runs = run_instances(&client, &usable, 1, Mode::Setup).await;
    assert_configured_once(&emu, &runs, PROD);
}

// ---- Point 6: Work 365 found by its roles; the version from whatever solution carries it ----

#[tokio::test(flavor = "current_thread")]
async fn work365_is_found_by_its_roles_and_its_version_by_any_solution_named_like_it() {
    for (scenario, verdict, version, from) in [
        (
            "solution-named-otherwise",
            VersionVerdict::Sufficient,
            Some("3.6.0.3"),
            Some("w365_Core"),
        ),
        (
            "roles-without-solution",
            VersionVerdict::Unknown,
            None,
            None,
        ),
        (
            "old-version",
            VersionVerdict::TooOld,
            Some("3.4.1.7"),
            Some("Work365Core"),
        ),
    ] {
        let emu = start(scenario);
        let client = NativeClient::new(&emu);
        let runs = run_all(&client, 1).await;
        let product = runs[0]
            .inspection
            .as_ref()
            .and_then(|i| i.product.clone())
            .expect("a product finding");
        assert_eq!(product.verdict, verdict, "{scenario}");
        assert_eq!(product.version.as_deref(), version, "{scenario}");
        assert_eq!(
            product.version_from.as_ref().map(|s| s.uniquename.as_str()),
            from,
            "{scenario}"
        );
        match verdict {
            VersionVerdict::TooOld => assert!(matches!(
                &runs[0].outcome,
                Some(Outcome::Stopped { assessment: Assessment::NotInstalled { found: Some(v), .. } }) if v == "3.4.1.7"
            )),
            _ => assert_configured_once(&emu, &runs, PROD),
        }
        if verdict == VersionVerdict::Unknown {
            assert!(product.note().is_some());
        }
    }
}

// ---- Point 10: other guesses the product depends on ----

/// The caller's roles come with the first round, by `EqualUserId` on `systemuserid`: the
/// function is documented, its use on that property is our reading. Refused, or answered
/// without the caller's row, the roles are read by `WhoAmI`'s id in a round of their own.
#[tokio::test(flavor = "current_thread")]
async fn the_caller_s_roles_are_read_by_id_when_equal_user_id_does_not_give_them() {
    for (action, why) in [
        (
            json!({"status": 400, "body": "{\"error\":{\"code\":\"0x80060888\",\"message\":\"Syntax error: character '(' is not valid at position 33.\"}}"}),
            "was refused",
        ),
        (
            json!({"status": 200, "body": "{\"value\":[]}"}),
            "gave no row of the caller",
        ),
    ] {
        let emu = start("demo");
        fault(
            &emu,
            json!({"method": "GET", "path": "/api/data/v9.2/systemusers", "query": "*EqualUserId*", "host": PROD, "action": action}),
        );
        let client = NativeClient::new(&emu);
        let runs = prod_only(&client).await;
        assert_configured_once(&emu, &runs, PROD);
        let run = run_of(&runs, PROD);
        let reason = run
            .inspection
            .as_ref()
            .and_then(|i| i.caller_roles_by_id.clone())
            .unwrap_or_default();
        assert!(reason.contains(why), "{reason}");
        assert_eq!(
            run.round_trips, 5,
            "one round more than the first-round read: {why}"
        );
        let by_id = log_for(&emu.state_json(), PROD)
            .into_iter()
            .filter(|(r, _)| {
                r.contains("/systemuserroles_association?$select=roleid,name,_roletemplateid_value")
            })
            .count();
        assert_eq!(by_id, 1, "{why}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_401_with_an_empty_body_is_renewed_and_the_run_goes_on() {
    let emu = start("demo");
    fault(
        &emu,
        json!({"method": "GET", "path": "/api/data/v9.2/WhoAmI", "host": PROD, "action": {"status": 401, "body": ""}}),
    );
    let client = NativeClient::new(&emu);
    let runs = prod_only(&client).await;
    assert_configured_once(&emu, &runs, PROD);
    let log = log_for(&emu.state_json(), PROD);
    assert_eq!(
        log.iter()
            .filter(|(r, _)| r == "GET /api/data/v9.2/WhoAmI")
            .map(|(_, s)| *s)
            .collect::<Vec<_>>(),
        vec![Some(401), Some(200)]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_html_error_page_on_a_read_is_retried_and_the_run_goes_on() {
    let emu = start("demo");
    fault(
        &emu,
        json!({"method": "GET", "path": "/api/data/v9.2/roles*", "host": PROD, "count": 2,
            "action": {"status": 502, "content_type": "text/html", "body": "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>"}}),
    );
    let client = NativeClient::new(&emu);
    let runs = prod_only(&client).await;
    assert_configured_once(&emu, &runs, PROD);
}

#[tokio::test(flavor = "current_thread")]
async fn an_html_error_page_that_persists_ends_in_an_error_quoting_it() {
    let emu = start("demo");
    fault(
        &emu,
        json!({"method": "GET", "path": "/api/data/v9.2/WhoAmI", "host": PROD, "count": 20,
            "action": {"status": 500, "content_type": "text/html", "body": "<html><body>Internal error</body></html>"}}),
    );
    let client = NativeClient::new(&emu);
    let runs = prod_only(&client).await;
    let Some(Outcome::Failed { error }) = &runs[0].outcome else {
        panic!("{:?}", runs[0].outcome)
    };
    assert!(error.to_string().contains("<html>"), "{error}");
    assert_eq!(error.remedy(), Remedy::TryLater);
    assert!(app_users(&emu.state_json(), PROD).is_empty());
}
