//! Sign-in never depends on Graph: whatever Graph or the token for it says, the procedure reads
//! "vendor consent unknown" and goes on; it never asks the admin to sign in for Graph.

mod support;

use support::model::{self, Model};
use support::{agree, target};
use w365_core::graph::Consent;
use w365_core::http::{HttpRequest, HttpResponse, TransportError};
use w365_core::ids::AppId;
use w365_core::preset::WORK365_US_APP_ID as US;
use w365_core::procedure::{Command, Options, Outcome, Procedure};

/// How Graph (or the token for it) answers in one run; Dataverse always answers from the model.
type GraphAnswer = fn(&HttpRequest) -> Result<HttpResponse, TransportError>;

/// Runs setup to the end; every `RenewSignIn` is recorded and answered "renewed".
fn setup(model: &mut Model, graph: GraphAnswer) -> (Outcome, Vec<Command>, Procedure) {
    let mut p = Procedure::new(
        target(),
        Options::unattended(w365_core::procedure::Mode::Setup),
    );
    let (outcome, trace) = support::run_answering(&mut p, model, |m, r| {
        if r.url.starts_with(&model::graph()) {
            graph(r)
        } else {
            Ok(m.handle(r))
        }
    });
    (outcome, trace.commands, p)
}

fn no_graph_token(req: &HttpRequest) -> Result<HttpResponse, TransportError> {
    Err(TransportError::SignInNeeded {
        audience: req.audience.clone().unwrap_or_default(),
        message: "AADSTS65001: The user or administrator has not consented to use the application (consent_required)".into(),
    })
}

fn graph_401(_: &HttpRequest) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse::json(
        401,
        &serde_json::json!({"error":{"code":"InvalidAuthenticationToken","message":"Access token validation failure."}}),
    ))
}

fn graph_403(_: &HttpRequest) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse::json(
        403,
        &serde_json::json!({"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}),
    ))
}

fn graph_down(_: &HttpRequest) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse::json(
        503,
        &serde_json::json!({"error":{"code":"ServiceUnavailable","message":"Service unavailable"}}),
    ))
}

fn graph_html(_: &HttpRequest) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status: 200,
        headers: vec![("Content-Type".into(), "text/html".into())],
        body: b"<!DOCTYPE html><p>Sign in</p>".to_vec(),
    })
}

fn consent_of(p: &Procedure) -> Consent {
    p.inspection()
        .consent_of(&AppId::parse(US).expect("a well-formed id"))
        .cloned()
        .expect("Graph was asked about the US app")
}

fn asked_to_sign_in(commands: &[Command]) -> bool {
    commands
        .iter()
        .any(|c| matches!(c, Command::RenewSignIn { .. }))
}

#[test]
fn no_graph_token_without_a_sign_in_is_consent_unknown_and_setup_is_verified() {
    let mut m = Model::fresh(US);
    let (o, commands, p) = setup(&mut m, no_graph_token);
    assert!(
        !asked_to_sign_in(&commands),
        "a sign-in was asked for Graph"
    );
    let Consent::Unknown { reason } = consent_of(&p) else {
        panic!("{:?}", consent_of(&p))
    };
    assert!(reason.contains("AADSTS65001"), "{reason}");
    assert!(reason.contains("Application.Read.All"), "{reason}");
    assert!(
        matches!(o, Outcome::Configured { already: false, .. }),
        "{o:?}"
    );
    assert!(m.is_configured(US));
}

#[test]
fn graph_refusing_the_token_is_consent_unknown_not_a_renewal() {
    for graph in [graph_401 as GraphAnswer, graph_403] {
        let mut m = Model::fresh(US);
        let (o, commands, p) = setup(&mut m, graph);
        assert!(
            !asked_to_sign_in(&commands),
            "a sign-in was asked for Graph"
        );
        assert!(matches!(consent_of(&p), Consent::Unknown { .. }));
        assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    }
}

#[test]
fn graph_that_never_answers_or_answers_unreadably_is_consent_unknown_not_a_failed_run() {
    for graph in [graph_down as GraphAnswer, graph_html] {
        let mut m = Model::fresh(US);
        let (o, _, p) = setup(&mut m, graph);
        let Consent::Unknown { reason } = consent_of(&p) else {
            panic!("{:?}", consent_of(&p))
        };
        assert!(!reason.is_empty());
        assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    }
}

#[test]
fn a_dataverse_token_refused_still_asks_for_a_renewal() {
    // The guard above is Graph's only: a 401 from Dataverse still renews the sign-in.
    let mut m = Model::fresh(US);
    let mut first = true;
    let mut p = Procedure::new(
        target(),
        Options::unattended(w365_core::procedure::Mode::Setup),
    );
    let (o, t) = support::run(
        &mut p,
        &mut m,
        |r| {
            if first && r.url.ends_with("WhoAmI") {
                first = false;
                support::Fault::Unauthorized
            } else {
                support::Fault::None
            }
        },
        agree,
        true,
    );
    assert!(matches!(o, Outcome::Configured { .. }), "{o:?}");
    assert!(asked_to_sign_in(&t.commands));
}
