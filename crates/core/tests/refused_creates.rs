//! A create that was refused or not answered is re-read by `applicationid` before anything is
//! concluded (Microsoft's provider, `tf: internal/services/application/resource_application_user.go`):
//! a live row is adopted whatever the status said; a deleted row is reported as such; only then
//! is the refusal reported verbatim. Nothing is created twice blindly: after a 4xx with nothing
//! behind it the refusal stands; after a 5xx or no answer one more create is allowed, within
//! the bound on write rounds.

mod support;

use serde_json::json;
use support::model::Model;
use support::{answer_with_fault, is_create, run_answering, target, Fault};
use w365_core::error::{ApiError, Remedy};
use w365_core::http::{HttpRequest, HttpResponse, Method, TransportError};
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::assessment::{Assessment, BlockReason};
use w365_core::procedure::{Mode, Options, Outcome, Procedure, ProcedureError};

fn creates(sends: &[Vec<HttpRequest>]) -> usize {
    sends.iter().flatten().filter(|r| is_create(r)).count()
}

/// Answers the first create with `first`, everything else from the model.
fn run_first_create(
    m: &mut Model,
    mut first: impl FnMut(&mut Model, &HttpRequest) -> Result<HttpResponse, TransportError>,
) -> (Outcome, support::Trace) {
    let mut done = false;
    let mut p = Procedure::new(target(), Options::unattended(Mode::Setup));
    run_answering(&mut p, m, |m, r| {
        if is_create(r) && !std::mem::replace(&mut done, true) {
            first(m, r)
        } else {
            answer_with_fault(m, r, Fault::None)
        }
    })
}

/// The round right after the first create is a re-read of the app's user.
fn re_read_follows_the_create(sends: &[Vec<HttpRequest>]) {
    let i = sends
        .iter()
        .position(|round| round.iter().any(is_create))
        .expect("a create");
    let next = &sends[i + 1];
    assert_eq!(next.len(), 1);
    assert_eq!(next[0].method, Method::Get);
    assert!(
        next[0].url.contains("systemusers?") && next[0].url.contains(US),
        "{}",
        next[0].url
    );
}

fn refused(status: u16, code: Option<&str>, message: &str) -> HttpResponse {
    let mut error = json!({ "message": message });
    if let Some(c) = code {
        error["code"] = json!(c);
    }
    HttpResponse::json(status, &json!({ "error": error }))
}

#[test]
fn a_duplicate_told_as_400_matching_applicationid_is_re_read_and_adopted() {
    let mut m = Model::fresh(US);
    let (o, t) = run_first_create(&mut m, |m, r| answer_with_fault(m, r, Fault::Race400));
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    assert!(m.is_configured(US));
    assert_eq!(creates(&t.sends), 1);
    re_read_follows_the_create(&t.sends);
}

#[test]
fn a_412_while_the_row_exists_is_re_read_and_adopted() {
    let mut m = Model::fresh(US);
    let (o, t) = run_first_create(&mut m, |m, r| answer_with_fault(m, r, Fault::Race412));
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    assert_eq!(m.app_users(US).len(), 1);
    assert_eq!(creates(&t.sends), 1);
}

#[test]
fn any_refusal_with_a_live_row_behind_it_is_adopted() {
    for (status, code) in [
        (403, Some("0x80040220")),
        (400, None),
        (404, Some("0x80040217")),
    ] {
        let mut m = Model::fresh(US);
        let (o, t) = run_first_create(&mut m, |m, _| {
            // Someone else's create got there first; ours is refused for whatever reason.
            m.add_app_user(US, false, &[]);
            Ok(refused(status, code, "refused"))
        });
        assert!(matches!(o, Outcome::Configured { .. }), "{status}: {o:?}");
        assert_eq!(
            (m.app_users(US).len(), creates(&t.sends)),
            (1, 1),
            "{status}"
        );
    }
}

#[test]
fn a_refused_create_with_nothing_behind_it_ends_with_the_refusal_verbatim_never_creating_again() {
    for (status, code, message) in [
        (
            400,
            Some("0x80040203"),
            "The application was not found in the directory.",
        ),
        (404, Some("0x80048306"), "Service principal not found."),
        (
            412,
            Some("0x80040237"),
            "A record with matching key values already exists.",
        ),
        (
            400,
            None,
            "A record with matching applicationid already exists.",
        ),
    ] {
        let mut m = Model::fresh(US);
        let (o, t) = run_first_create(&mut m, |_, _| Ok(refused(status, code, message)));
        let Outcome::Failed {
            error:
                ProcedureError::Api {
                    error: ApiError::Refused { status: s, .. },
                    remedy,
                    ..
                },
        } = &o
        else {
            panic!("{status}: {o:?}")
        };
        assert_eq!(*s, status);
        assert_eq!(
            remedy,
            &Remedy::ReadServiceMessage {
                code: code.map(str::to_owned),
                message: message.into()
            }
        );
        assert_eq!(creates(&t.sends), 1, "{status}: never created twice");
        assert!(m.app_users(US).is_empty());
        re_read_follows_the_create(&t.sends);
    }
}

#[test]
fn a_refusal_for_a_missing_privilege_still_names_the_role_to_hold() {
    let mut m = Model::fresh(US);
    let (o, t) = run_first_create(&mut m, |_, _| {
        Ok(refused(
            403,
            Some("0x80040220"),
            "Principal user is missing prvCreateUser privilege",
        ))
    });
    let Outcome::Failed { error } = &o else {
        panic!("{o:?}")
    };
    assert_eq!(error.remedy(), Remedy::NotSystemAdministrator);
    re_read_follows_the_create(&t.sends);
}

#[test]
fn a_refused_create_that_finds_a_deleted_row_reports_the_deleted_row() {
    let mut m = Model::fresh(US);
    let (o, t) = run_first_create(&mut m, |m, _| {
        m.add_app_user(US, false, &[]);
        if let Some(u) = m.users.last_mut() {
            u.deletedstate = 1;
        }
        Ok(refused(
            412,
            Some("0x80040237"),
            "A record with matching key values already exists.",
        ))
    });
    let Outcome::Stopped {
        assessment:
            Assessment::Blocked {
                reason: BlockReason::SoftDeletedAppUser { .. },
                remedy,
            },
    } = &o
    else {
        panic!("{o:?}")
    };
    assert_eq!(remedy, &Remedy::PurgeDeletedAppUser);
    assert_eq!(creates(&t.sends), 1);
}

#[test]
fn a_500_after_the_create_took_effect_is_re_read_and_adopted() {
    let mut m = Model::fresh(US);
    let (o, t) = run_first_create(&mut m, |m, r| {
        answer_with_fault(m, r, Fault::ServerErrorAfter)
    });
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    assert_eq!((m.app_users(US).len(), creates(&t.sends)), (1, 1));
    re_read_follows_the_create(&t.sends);
}

#[test]
fn a_5xx_or_no_answer_before_it_took_effect_allows_one_more_create_after_the_re_read() {
    for fault in [Fault::ServerError, Fault::DropBefore] {
        let mut m = Model::fresh(US);
        let (o, t) = run_first_create(&mut m, |m, r| answer_with_fault(m, r, fault));
        assert!(matches!(o, Outcome::Configured { .. }), "{fault:?}: {o:?}");
        assert_eq!(
            (m.app_users(US).len(), creates(&t.sends)),
            (1, 2),
            "{fault:?}"
        );
        re_read_follows_the_create(&t.sends);
    }
}

#[test]
fn creates_that_keep_failing_stop_at_the_write_round_bound() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), Options::unattended(Mode::Setup));
    let (o, t) = run_answering(&mut p, &mut m, |m, r| {
        let f = if is_create(r) {
            Fault::ServerError
        } else {
            Fault::None
        };
        answer_with_fault(m, r, f)
    });
    assert!(
        matches!(
            o,
            Outcome::Failed {
                error: ProcedureError::NoProgress { .. }
            }
        ),
        "{o:?}"
    );
    let bound = Options::default().retry.max_write_rounds as usize;
    assert_eq!(creates(&t.sends), bound);
    assert!(m.app_users(US).is_empty());
    // Every create after the first came after a re-read.
    let mut read_since_create = true;
    for round in &t.sends {
        if round.iter().any(is_create) {
            assert!(read_since_create, "create without a re-read");
            read_since_create = false;
        } else if round.iter().any(|r| r.method == Method::Get) {
            read_since_create = true;
        }
    }
}
