//! Microsoft's order of writes (`pp: admin/assign-security-roles.md`: a security role can only be
//! assigned to an enabled user): enable alone and confirmed, then roles; undo removes roles
//! first and disables last. Run sans-IO against the in-memory model, which refuses a role for a
//! disabled user as Dataverse does.

mod support;

use serde_json::{json, Value};
use support::model::{Model, OTHER_ROLE, PORTAL_ROLE, SERVICE_ROLE};
use support::{answer_with_fault, run_answering, target, Fault};
use w365_core::error::Remedy;
use w365_core::http::{HttpRequest, HttpResponse, Method};
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::{Mode, Options, Outcome, Procedure, ProcedureError};
use w365_core::record::Stage;

/// The methods of each round that wrote something, in order (reads left out).
fn write_rounds(sends: &[Vec<HttpRequest>]) -> Vec<Vec<Method>> {
    sends
        .iter()
        .map(|round| {
            round
                .iter()
                .map(|r| r.method)
                .filter(|m| *m != Method::Get)
                .collect::<Vec<_>>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

fn body(r: &HttpRequest) -> Value {
    serde_json::from_slice(r.body.as_deref().unwrap_or_default()).unwrap_or_default()
}

fn setup(model: &mut Model) -> (Outcome, support::Trace, Procedure) {
    let mut p = Procedure::new(target(), Options::unattended(Mode::Setup));
    let (o, t) = run_answering(&mut p, model, |m, r| answer_with_fault(m, r, Fault::None));
    (o, t, p)
}

fn is_role_post(r: &HttpRequest) -> bool {
    r.method == Method::Post && r.url.contains("systemuserroles_association")
}

fn is_patch(r: &HttpRequest) -> bool {
    r.method == Method::Patch
}

#[test]
fn a_disabled_user_is_enabled_alone_and_only_then_given_its_roles() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, true, &[OTHER_ROLE]);
    let (o, t, p) = setup(&mut m);
    assert!(
        matches!(o, Outcome::Configured { already: false, .. }),
        "{o:?}"
    );
    assert!(m.is_configured(US));
    assert_eq!(m.refused_disabled, 0, "no role was sent to a disabled user");
    assert_eq!(
        write_rounds(&t.sends),
        vec![vec![Method::Patch], vec![Method::Post, Method::Post]]
    );
    let patch = t.sends.iter().flatten().find(|r| is_patch(r)).unwrap();
    assert_eq!(
        body(patch),
        json!({"isdisabled": false, "applicationid": US})
    );
    assert_eq!(
        p.record().stages,
        vec![Stage::Inspect, Stage::Enable, Stage::Assign, Stage::Verify]
    );
}

#[test]
fn the_order_holds_where_the_environment_would_allow_roles_on_disabled_users() {
    let mut m = Model::fresh(US);
    m.roles_on_disabled_users = true;
    m.add_app_user(US, true, &[]);
    let (o, t, _) = setup(&mut m);
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    assert_eq!(
        write_rounds(&t.sends),
        vec![vec![Method::Patch], vec![Method::Post, Method::Post]]
    );
}

#[test]
fn a_doubtful_enable_is_re_read_until_the_user_is_known_enabled() {
    for (fault, patches) in [
        // Not processed: the re-read shows it still disabled, so it is enabled again.
        (Fault::ServerError, 2),
        (Fault::DropBefore, 2),
        // Processed, answer lost: the re-read shows it enabled, nothing is sent twice.
        (Fault::DropAfter, 1),
        (Fault::ServerErrorAfter, 1),
    ] {
        let mut m = Model::fresh(US);
        m.add_app_user(US, true, &[]);
        let mut first = true;
        let mut p = Procedure::new(target(), Options::unattended(Mode::Setup));
        let (o, t) = run_answering(&mut p, &mut m, |m, r| {
            let f = if is_patch(r) && std::mem::take(&mut first) {
                fault
            } else {
                Fault::None
            };
            answer_with_fault(m, r, f)
        });
        assert!(matches!(o, Outcome::Configured { .. }), "{fault:?}: {o:?}");
        assert_eq!(m.refused_disabled, 0, "{fault:?}");
        let sent: Vec<&HttpRequest> = t.sends.iter().flatten().collect();
        assert_eq!(
            sent.iter().filter(|r| is_patch(r)).count(),
            patches,
            "{fault:?}"
        );
        // No role before the last enable, and the doubtful one was re-read before any role.
        let first_patch = sent.iter().position(|r| is_patch(r)).unwrap();
        let last_patch = sent.iter().rposition(|r| is_patch(r)).unwrap();
        let first_role = sent.iter().position(|r| is_role_post(r)).unwrap();
        assert!(last_patch < first_role, "{fault:?}");
        assert!(
            sent[first_patch..first_role]
                .iter()
                .any(|r| r.method == Method::Get),
            "{fault:?}: the doubtful enable was re-read before any role"
        );
    }
}

/// A role refused for a disabled user, whatever Dataverse's status and code: the re-read shows
/// the user disabled, so it is enabled and the role sent again.
#[test]
fn a_role_refused_because_the_user_is_disabled_is_re_read_enabled_and_assigned() {
    let refusals = [
        // Dataverse's UserNotEnabled (the code our emulator guesses).
        (
            403,
            json!({"error":{"code":"0x80040225","message":"The specified user is either disabled or is not a member of any business unit."}}),
        ),
        // Another code and status.
        (
            400,
            json!({"error":{"code":"0x80040203","message":"Security roles cannot be assigned to disabled users."}}),
        ),
        // No body to speak of.
        (400, json!({})),
    ];
    for (status, refusal) in refusals {
        let mut m = Model::fresh(US);
        m.add_app_user(US, true, &[]);
        // The enable is acknowledged but does not take effect (a lost update).
        let mut acked = false;
        let mut p = Procedure::new(target(), Options::unattended(Mode::Setup));
        let (o, t) = run_answering(&mut p, &mut m, |m, r| {
            if is_patch(r) && !std::mem::replace(&mut acked, true) {
                return Ok(HttpResponse::empty(204));
            }
            if is_role_post(r) && m.app_users(US)[0].disabled {
                return Ok(HttpResponse::json(status, &refusal));
            }
            answer_with_fault(m, r, Fault::None)
        });
        assert!(
            matches!(o, Outcome::Configured { .. }),
            "{status} {refusal}: {o:?}"
        );
        assert!(m.is_configured(US));
        assert_eq!(t.sends.iter().flatten().filter(|r| is_patch(r)).count(), 2);
    }
}

#[test]
fn a_role_refused_for_an_enabled_user_ends_with_dataverse_s_words() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, false, &[]);
    let mut p = Procedure::new(target(), Options::unattended(Mode::Setup));
    let (o, t) = run_answering(&mut p, &mut m, |m, r| {
        if is_role_post(r) {
            return Ok(HttpResponse::json(
                400,
                &json!({"error":{"code":"0x80040203","message":"The role is not assignable."}}),
            ));
        }
        answer_with_fault(m, r, Fault::None)
    });
    let Outcome::Failed {
        error: ProcedureError::Api { remedy, .. },
    } = &o
    else {
        panic!("{o:?}")
    };
    assert_eq!(
        remedy,
        &Remedy::ReadServiceMessage {
            code: Some("0x80040203".into()),
            message: "The role is not assignable.".into()
        }
    );
    // Re-read once before concluding, never sent again blindly.
    assert_eq!(
        t.sends.iter().flatten().filter(|r| is_role_post(r)).count(),
        2
    );
    assert_eq!(t.sends.last().map(|r| r[0].method), Some(Method::Get));
}

#[test]
fn undo_removes_the_roles_first_and_disables_last() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE, OTHER_ROLE]);
    let mut p = Procedure::new(target(), Options::unattended(Mode::Undo));
    let (o, t) = run_answering(&mut p, &mut m, |m, r| answer_with_fault(m, r, Fault::None));
    assert!(matches!(o, Outcome::Undone { evidence: Some(_) }), "{o:?}");
    assert_eq!(
        write_rounds(&t.sends),
        vec![vec![Method::Delete, Method::Delete], vec![Method::Patch]]
    );
    let patch = t.sends.iter().flatten().find(|r| is_patch(r)).unwrap();
    assert_eq!(
        body(patch),
        json!({"isdisabled": true, "applicationid": US})
    );
    let u = &m.app_users(US)[0];
    assert!(u.disabled && u.roles == vec![OTHER_ROLE.to_owned()]);
}

#[test]
fn a_doubtful_removal_is_re_read_before_the_disable() {
    let mut m = Model::fresh(US);
    m.add_app_user(US, false, &[SERVICE_ROLE, PORTAL_ROLE]);
    let mut first = true;
    let mut p = Procedure::new(target(), Options::unattended(Mode::Undo));
    let (o, t) = run_answering(&mut p, &mut m, |m, r| {
        let f = if r.method == Method::Delete && std::mem::take(&mut first) {
            Fault::ServerError
        } else {
            Fault::None
        };
        answer_with_fault(m, r, f)
    });
    assert!(matches!(o, Outcome::Undone { evidence: Some(_) }), "{o:?}");
    let rounds = write_rounds(&t.sends);
    assert_eq!(rounds.last(), Some(&vec![Method::Patch]));
    assert!(rounds[..rounds.len() - 1]
        .iter()
        .all(|w| w.iter().all(|m| *m == Method::Delete)));
    assert!(m.app_users(US)[0].disabled && m.app_users(US)[0].roles.is_empty());
}
