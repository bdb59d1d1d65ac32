//! Random interleavings of answers and faults against the in-memory model. After every run:
//! at most one application user per app, no role removed, nothing written outside the target
//! user, no role ever sent to a disabled user, and the run ends verified (and the model
//! agrees) or with a typed error.

mod support;

use proptest::prelude::*;
use support::model::{Model, OTHER_ROLE, PORTAL_ROLE, SERVICE_ROLE};
use support::{agree, run, target, Fault};
use w365_core::http::Method;
use w365_core::preset::{WORK365_EU_APP_ID as EU, WORK365_US_APP_ID as US};
use w365_core::procedure::{Mode, Options, Outcome, Procedure, ProcedureError};

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        6 => Just(Fault::None),
        1 => (1u64..30).prop_map(Fault::Throttle),
        1 => Just(Fault::Throttle(100_000)),
        1 => Just(Fault::ServerError),
        1 => Just(Fault::DropBefore),
        1 => Just(Fault::DropAfter),
        1 => Just(Fault::TimeoutBefore),
        1 => Just(Fault::TimeoutAfter),
        1 => Just(Fault::Unauthorized),
        1 => Just(Fault::Race412),
        1 => Just(Fault::Race400),
        1 => Just(Fault::ServerErrorAfter),
    ]
}

/// Starting states a real environment can be in.
fn start(kind: u8) -> Model {
    let mut m = Model::fresh(US);
    match kind {
        0 => {}
        1 => {
            m.add_app_user(US, false, &[SERVICE_ROLE, OTHER_ROLE]);
        }
        2 => {
            m.add_app_user(US, true, &[]);
        }
        3 => {
            m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE]);
        }
        _ => {
            // The EU app is also consented and has a disabled user: the procedure must pick EU.
            m.consented.push(EU.into());
            m.add_app_user(EU, true, &[PORTAL_ROLE]);
        }
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn faults_never_break_the_safety_rules(kind in 0u8..5, faults in proptest::collection::vec(fault(), 0..16), renew_ok in proptest::bool::weighted(0.9), seed in any::<u64>(), undo in proptest::bool::weighted(0.15)) {
        let mut m = start(kind);
        let before = m.clone();
        let mut script = faults.into_iter();
        let mode = if undo { Mode::Undo } else { Mode::Setup };
        let mut p = Procedure::new(target(), Options { seed, ..Options::unattended(mode) });
        let (outcome, trace) = run(&mut p, &mut m, |_| script.next().unwrap_or(Fault::None), agree, renew_ok);

        // At most one application user per app.
        for app in [US, EU] {
            prop_assert!(m.app_users(app).len() <= 1, "two users for {app}: {outcome:?}");
        }
        // No role removed except by Undo, and Undo removes only the preset's roles.
        if !undo {
            prop_assert!(m.removed.is_empty(), "removed {:?}", m.removed);
        } else {
            prop_assert!(m.removed.iter().all(|(_, r)| r == SERVICE_ROLE || r == PORTAL_ROLE));
        }
        // Nothing written outside the target user: every write names a user of the app, or creates one.
        let app = if kind == 4 { EU } else { US };
        for w in &m.audit {
            prop_assert_eq!(w.app_id.as_deref(), Some(app), "write outside the target: {:?}", w);
        }
        // Roles go to enabled users only (the model refuses the rest, as Dataverse does).
        prop_assert_eq!(m.refused_disabled, 0, "a role was sent to a disabled user: {:?}", outcome);
        // Other users are untouched.
        for (a, b) in before.users.iter().zip(&m.users) {
            if a.app_id.is_none() {
                prop_assert_eq!((&a.roles, a.disabled), (&b.roles, b.disabled));
            }
        }
        // It ends verified (and the model agrees) or with a typed error.
        match &outcome {
            Outcome::Configured { evidence, already } => {
                prop_assert!(!undo);
                prop_assert!(m.is_configured(app), "claimed configured but model disagrees");
                prop_assert!(evidence.enabled && evidence.missing_roles.is_empty());
                if *already { prop_assert_eq!(p.record().successful_writes(), 0); }
            }
            Outcome::Undone { .. } => {
                prop_assert!(undo);
                let users = m.app_users(app);
                prop_assert!(users.iter().all(|u| u.disabled && !u.roles.contains(&SERVICE_ROLE.to_owned()) && !u.roles.contains(&PORTAL_ROLE.to_owned())));
            }
            Outcome::Failed { error } => {
                let typed = matches!(error, ProcedureError::SignInExpired { .. } | ProcedureError::Throttled { .. } | ProcedureError::Api { .. } | ProcedureError::NoProgress { .. } | ProcedureError::Timeout { .. });
                prop_assert!(typed);
                // A typed error still has a remedy for the admin.
                prop_assert!(!error.remedy().text().is_empty());
            }
            other => prop_assert!(false, "unexpected end {other:?}"),
        }
        // A creating POST is only ever sent when the latest read showed no user: never twice in a row without a read in between.
        let mut last_was_create = false;
        for round in &trace.sends {
            let creates = round.iter().filter(|r| r.method == Method::Post && r.url.ends_with("/systemusers")).count();
            prop_assert!(creates <= 1);
            prop_assert!(!(last_was_create && creates == 1), "create resent without re-reading");
            last_was_create = creates == 1;
        }
    }
}
