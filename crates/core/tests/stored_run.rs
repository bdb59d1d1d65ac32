//! A run found in storage (a reload, a duplicated tab, a restored session) is validated before
//! it is offered: what does not fit the preset, this sign-in or the environments discovery
//! lists is refused with a message; a run older than an hour is offered for re-inspection only.

use serde_json::json;
use w365_core::ids::EnvironmentId;
use w365_core::preset::{Preset, WORK365_EU_APP_ID, WORK365_US_APP_ID};
use w365_core::procedure::Mode;
use w365_core::record::EnvironmentRef;
use w365_core::resume::{validate, ResumeContext, StoredRunError, FRESH_FOR_MS};

const ADMIN: &str = "admin@contoso.onmicrosoft.com";
const PROD: &str = "a1b2c3d4-0000-4000-8000-000000000001";
const DEV: &str = "a1b2c3d4-0000-4000-8000-000000000002";
const NOW: u64 = 1_800_000_000_000;

fn environments() -> Vec<EnvironmentRef> {
    [
        (PROD, "Contoso Production", "contosoprod"),
        (DEV, "Contoso Development", "contosodev"),
    ]
    .into_iter()
    .map(|(id, name, host)| EnvironmentRef {
        id: EnvironmentId::parse(id).ok(),
        name: name.into(),
        url: format!("https://{host}.crm.dynamics.com"),
    })
    .collect()
}

fn check(
    stored: serde_json::Value,
) -> Result<Option<w365_core::resume::ResumeOffer>, StoredRunError> {
    let preset = Preset::work365();
    let envs = environments();
    let ctx = ResumeContext {
        preset: &preset,
        operator: ADMIN,
        cloud: "public",
        environments: &envs,
        now_ms: NOW,
    };
    validate(&stored.to_string(), &ctx)
}

fn view_run() -> serde_json::Value {
    json!({
        "operator": ADMIN, "cloud": "public", "mode": "setup", "batch": false,
        "environments": [PROD], "finished": [], "data_center": WORK365_US_APP_ID,
        "plan_confirmed": true, "saved_at_ms": NOW - 60_000
    })
}

fn batch_run() -> serde_json::Value {
    json!({
        "operator": ADMIN, "cloud": "public", "mode": "setup", "batch": true,
        "environments": [PROD, DEV], "finished": [PROD], "saved_at_ms": NOW - 60_000
    })
}

#[test]
fn a_fresh_run_is_offered_with_what_is_still_pending() {
    let offer = check(view_run()).unwrap().expect("offered");
    assert_eq!(offer.mode, Mode::Setup);
    assert!(!offer.batch && !offer.reinspect_only);
    assert!(offer.plan_confirmed);
    assert_eq!(offer.pending.len(), 1);
    assert_eq!(offer.pending[0].name, "Contoso Production");
    assert_eq!(
        offer.data_center.as_ref().map(|a| a.as_str()),
        Some(WORK365_US_APP_ID)
    );
    assert_eq!(
        offer.headline(),
        "1 environment was being set up when this page closed"
    );

    let batch = check(batch_run()).unwrap().expect("offered");
    assert!(batch.batch);
    assert_eq!(batch.finished, 1);
    assert_eq!(
        batch
            .pending
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        ["Contoso Development"]
    );

    let mut undo = view_run();
    undo["mode"] = json!("undo");
    let undo = check(undo).unwrap().expect("offered");
    assert_eq!(
        undo.headline(),
        "1 environment was being undone when this page closed"
    );

    let mut two = batch_run();
    two["finished"] = json!([]);
    assert_eq!(
        check(two).unwrap().expect("offered").headline(),
        "2 environments were being set up when this page closed"
    );
}

#[test]
fn a_run_older_than_an_hour_is_offered_for_reinspection_only() {
    let mut old = view_run();
    old["saved_at_ms"] = json!(NOW - FRESH_FOR_MS - 1);
    let offer = check(old).unwrap().expect("offered");
    assert!(offer.reinspect_only);
    assert!(
        !offer.plan_confirmed,
        "no write without a new plan confirmation"
    );
    let mut hour = view_run();
    hour["saved_at_ms"] = json!(NOW - FRESH_FOR_MS);
    assert!(!check(hour).unwrap().expect("offered").reinspect_only);
}

#[test]
fn a_run_with_nothing_pending_is_not_offered() {
    let mut done = batch_run();
    done["finished"] = json!([PROD, DEV.to_uppercase()]);
    assert_eq!(check(done), Ok(None));
}

#[test]
fn an_app_id_that_is_not_the_presets_is_refused() {
    let mut foreign = view_run();
    foreign["data_center"] = json!("0c1f3f6e-9a77-4c57-9a7c-3b2d4a6f5e10");
    let err = check(foreign).unwrap_err();
    assert!(matches!(err, StoredRunError::AppId { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("0c1f3f6e-9a77-4c57-9a7c-3b2d4a6f5e10"),
        "{err}"
    );
    assert!(err.remedy().starts_with("Nothing was written"));
    // The preset's other data center is fine.
    let mut eu = view_run();
    eu["data_center"] = json!(WORK365_EU_APP_ID);
    assert!(check(eu).is_ok());
    // Not a GUID at all.
    let mut garbage = view_run();
    garbage["data_center"] = json!("x' or 1 eq 1");
    assert!(matches!(
        check(garbage),
        Err(StoredRunError::Malformed { .. })
    ));
}

#[test]
fn a_mode_that_is_never_resumed_is_refused() {
    for mode in ["assess", "SETUP", "delete", ""] {
        let mut run = view_run();
        run["mode"] = json!(mode);
        assert!(
            matches!(check(run), Err(StoredRunError::Mode { .. })),
            "{mode}"
        );
    }
    let mut batch_undo = batch_run();
    batch_undo["mode"] = json!("undo");
    assert!(matches!(
        check(batch_undo),
        Err(StoredRunError::Mode { .. })
    ));
}

#[test]
fn an_environment_discovery_does_not_list_is_refused() {
    let mut unknown = view_run();
    unknown["environments"] = json!(["a1b2c3d4-0000-4000-8000-0000000000ff"]);
    let err = check(unknown).unwrap_err();
    assert!(
        matches!(err, StoredRunError::UnknownEnvironment { .. }),
        "{err:?}"
    );
    let mut half = batch_run();
    half["environments"] = json!([PROD, "Default-8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30"]);
    assert!(matches!(
        check(half),
        Err(StoredRunError::UnknownEnvironment { .. })
    ));
}

#[test]
fn another_sign_in_or_cloud_is_refused() {
    let mut other = view_run();
    other["operator"] = json!("alexw@contoso.onmicrosoft.com");
    let err = check(other).unwrap_err();
    assert!(
        matches!(err, StoredRunError::OtherOperator { .. }),
        "{err:?}"
    );
    let mut cloud = view_run();
    cloud["cloud"] = json!("gcc-high");
    assert!(matches!(
        check(cloud),
        Err(StoredRunError::OtherOperator { .. })
    ));
}

#[test]
fn malformed_records_are_refused_with_what_is_wrong() {
    let cases: Vec<(serde_json::Value, &str)> = vec![
        (json!("not an object"), "invalid type"),
        (json!({"mode": "setup"}), "missing field"),
        (
            {
                let mut r = view_run();
                r["token"] = json!("eyJ0");
                r
            },
            "unknown field",
        ),
        (
            {
                let mut r = view_run();
                r["environments"] = json!([]);
                r
            },
            "no environment",
        ),
        (
            {
                let mut r = view_run();
                r["environments"] = json!([PROD, DEV]);
                r
            },
            "several",
        ),
        (
            {
                let mut r = batch_run();
                r["environments"] = json!([PROD, PROD.to_uppercase()]);
                r["finished"] = json!([]);
                r
            },
            "twice",
        ),
        (
            {
                let mut r = batch_run();
                r["finished"] = json!([DEV, "a1b2c3d4-0000-4000-8000-0000000000ee"]);
                r
            },
            "not part of the run",
        ),
        (
            {
                let mut r = batch_run();
                r["data_center"] = json!(WORK365_US_APP_ID);
                r
            },
            "no data center",
        ),
        (
            {
                let mut r = view_run();
                r["saved_at_ms"] = json!(NOW + 3_600_000);
                r
            },
            "future",
        ),
        (
            {
                let mut r = view_run();
                r["saved_at_ms"] = json!(-1);
                r
            },
            "invalid value",
        ),
    ];
    for (stored, why) in cases {
        match check(stored.clone()) {
            Err(StoredRunError::Malformed { detail }) => {
                assert!(detail.contains(why), "{stored}: {detail}")
            }
            other => panic!("{stored}: expected malformed ({why}), got {other:?}"),
        }
    }
    let preset = Preset::work365();
    let envs = environments();
    let ctx = ResumeContext {
        preset: &preset,
        operator: ADMIN,
        cloud: "public",
        environments: &envs,
        now_ms: NOW,
    };
    assert!(matches!(
        validate("{", &ctx),
        Err(StoredRunError::Malformed { .. })
    ));
    assert!(matches!(
        validate("", &ctx),
        Err(StoredRunError::Malformed { .. })
    ));
}
