//! Issue 10, point 7: answers are not trusted blindly. A `@odata.nextLink` is followed only on
//! the origin that was asked (discovery, every Dataverse listing the procedure pages through,
//! the async helpers); paging stops at a cap with an error instead of truncating; an answer
//! too large to read, or a request the transport refused to send where its token must not go,
//! ends the read with a remedy instead of being retried.

mod support;

use serde_json::{json, Value};
use std::cell::{Cell, RefCell};
use support::model::{Model, ORIGIN};
use support::{agree, fixture, target, unattended, ScriptedClient};
use w365_core::cloud::Cloud;
use w365_core::dataverse::{roles::Role, Dataverse};
use w365_core::discovery::list_instances;
use w365_core::driver::{drive, Prompter};
use w365_core::error::{ApiError, Remedy};
use w365_core::http::{HttpClient, HttpRequest, HttpResponse, Method, TransportError};
use w365_core::odata::MAX_PAGES;
use w365_core::preset::{WORK365_SERVICE_ROLE, WORK365_US_APP_ID as US};
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Outcome, Procedure, ProcedureError};
use w365_core::record::EnvironmentRef;
use w365_core::tenant_reads::TenantReads;

/// The public cloud's discovery service, from the core's cloud table.
fn disco() -> String {
    Cloud::Public.endpoints().discovery
}

fn instances() -> String {
    format!("{}/api/discovery/v2.0/Instances", disco())
}

/// The discovery host without its scheme, to build look-alike addresses from.
fn disco_host() -> String {
    disco().trim_start_matches("https://").to_owned()
}

fn page_with_link(mut page: Value, link: &str) -> HttpResponse {
    page["@odata.nextLink"] = json!(link);
    HttpResponse::json(200, &page)
}

#[tokio::test(flavor = "current_thread")]
async fn discovery_refuses_a_next_link_off_its_origin_names_the_host_and_sends_nothing_there() {
    let d = disco_host();
    for (link, host) in [
        (
            "https://contoso.crm.dynamics.com/api/discovery/v2.0/Instances?$skiptoken=2".to_owned(),
            "https://contoso.crm.dynamics.com".to_owned(),
        ),
        (
            format!("https://{d}.evil.example/api/discovery/v2.0/Instances"),
            format!("https://{d}.evil.example"),
        ),
        (
            format!("http://{d}/api/discovery/v2.0/Instances?$skiptoken=2"),
            format!("http://{d}"),
        ),
        (
            format!("https://{d}@evil.example/x"),
            format!("https://{d}@evil.example/x"),
        ),
    ] {
        let (link, host) = (link.as_str(), host.as_str());
        let client = ScriptedClient::new(vec![(
            Method::Get,
            &instances(),
            page_with_link(fixture("discovery_instances_page1.json"), link),
        )]);
        let err = list_instances(&client, &Cloud::Public).await.unwrap_err();
        assert_eq!(
            err,
            ApiError::ForeignNextLink {
                host: host.into(),
                expected: disco()
            },
            "{link}"
        );
        assert!(err.to_string().contains(host), "{err}");
        assert_eq!(
            err.remedy(),
            Remedy::AnswerLeftTheService { host: host.into() }
        );
        assert!(err.remedy().text().contains("sent nothing there"));
        assert_eq!(
            client.seen.borrow().len(),
            1,
            "{link}: only the first page was asked"
        );
    }
}

#[tokio::test(flavor = "current_thread")]
async fn discovery_follows_a_next_link_on_its_origin_given_as_a_path_or_with_the_default_port() {
    let client = ScriptedClient::new(vec![
        (
            Method::Get,
            &instances(),
            page_with_link(fixture("discovery_instances_page1.json"), "/api/discovery/v2.0/Instances?$skiptoken=2"),
        ),
        (
            Method::Get,
            &format!("{}?$skiptoken=2", instances()),
            page_with_link(json!({"value": []}), "https://GlobalDisco.crm.dynamics.com:443/api/discovery/v2.0/Instances?$skiptoken=3"),
        ),
        (
            Method::Get,
            "https://GlobalDisco.crm.dynamics.com:443/api/discovery/v2.0/Instances?$skiptoken=3",
            HttpResponse::json(200, &fixture("discovery_instances_page2.json")),
        ),
    ]);
    let instances = list_instances(&client, &Cloud::Public).await.unwrap();
    assert_eq!(instances.len(), 2);
}

/// Answers every GET with one row and a next link on the same origin, forever.
struct EndlessPages {
    row: Value,
    sent: Cell<u32>,
}

impl HttpClient for EndlessPages {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let n = self.sent.get() + 1;
        self.sent.set(n);
        let base = req.url.split('?').next().unwrap_or_default().to_owned();
        Ok(page_with_link(
            json!({"value": [self.row.clone()]}),
            &format!("{base}?$skiptoken={n}"),
        ))
    }
}

#[tokio::test(flavor = "current_thread")]
async fn paging_past_the_cap_fails_loudly_instead_of_returning_part_of_the_list() {
    let instance = fixture("discovery_instances_page2.json")["value"][0].clone();
    let client = EndlessPages {
        row: instance,
        sent: Cell::new(0),
    };
    let err = list_instances(&client, &Cloud::Public).await.unwrap_err();
    assert_eq!(err, ApiError::TooManyPages { pages: MAX_PAGES });
    assert_eq!(client.sent.get(), MAX_PAGES, "exactly the cap was asked");
    assert!(err.remedy().text().contains(&MAX_PAGES.to_string()));

    // The Dataverse helpers share the rule.
    let role =
        json!({"roleid": "00000000-0000-0000-0000-00000000a001", "name": WORK365_SERVICE_ROLE});
    let client = EndlessPages {
        row: role,
        sent: Cell::new(0),
    };
    let dv = Dataverse::new(ORIGIN);
    let err = w365_core::dataverse::fetch_all::<Role>(
        &client,
        dv.roles_named(&[WORK365_SERVICE_ROLE.into()]),
    )
    .await
    .unwrap_err();
    assert_eq!(err, ApiError::TooManyPages { pages: MAX_PAGES });
    assert_eq!(client.sent.get(), MAX_PAGES);
}

/// Runs a procedure sans-IO; `answer` may rewrite the model's answer to any request.
fn run_answering(
    p: &mut Procedure,
    model: &mut Model,
    answer: impl FnMut(&mut Model, &HttpRequest) -> Result<HttpResponse, TransportError>,
) -> (Outcome, Vec<HttpRequest>) {
    let (outcome, trace) = support::run_answering(p, model, answer);
    (outcome, trace.sends.into_iter().flatten().collect())
}

fn is_roles_read(r: &HttpRequest) -> bool {
    r.method == Method::Get && r.url.contains("/api/data/v9.2/roles?")
}

/// The model's answer with `@odata.nextLink` added.
fn with_link(model: &mut Model, req: &HttpRequest, link: String) -> HttpResponse {
    let resp = model.handle(req);
    let mut body: Value = serde_json::from_slice(&resp.body).unwrap_or_default();
    body["@odata.nextLink"] = json!(link);
    HttpResponse::json(resp.status, &body)
}

#[test]
fn a_dataverse_read_whose_next_link_leaves_the_environment_ends_the_run_naming_the_host() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let foreign = "https://fabrikam.crm.dynamics.com";
    let (outcome, sent) = run_answering(&mut p, &mut m, |m, r| {
        if is_roles_read(r) && r.url.starts_with(ORIGIN) {
            Ok(with_link(
                m,
                r,
                format!("{foreign}/api/data/v9.2/roles?$skiptoken=1"),
            ))
        } else {
            Ok(m.handle(r))
        }
    });
    let Outcome::Failed {
        error:
            ProcedureError::Api {
                step,
                error,
                remedy,
            },
    } = &outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(step, "read the security roles");
    assert_eq!(
        error,
        &ApiError::ForeignNextLink {
            host: foreign.into(),
            expected: ORIGIN.into()
        }
    );
    assert_eq!(
        remedy,
        &Remedy::AnswerLeftTheService {
            host: foreign.into()
        }
    );
    assert!(outcome.summary().contains(foreign), "{}", outcome.summary());
    assert!(
        sent.iter().all(|r| !r.url.starts_with(foreign)),
        "nothing went to {foreign}"
    );
    assert!(
        sent.iter().all(|r| r.method == Method::Get),
        "nothing was written"
    );
}

#[test]
fn the_procedure_follows_same_origin_pages_and_stops_loudly_at_the_cap() {
    // Two pages: the first holds one role, the second the rest. Configured as usual.
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let mut first_read: Option<HttpRequest> = None;
    let (outcome, sent) = run_answering(&mut p, &mut m, |m, r| {
        if !is_roles_read(r) {
            return Ok(m.handle(r));
        }
        let original = first_read.get_or_insert_with(|| r.clone()).clone();
        let all: Value = serde_json::from_slice(&m.handle(&original).body).unwrap_or_default();
        let rows = all["value"].as_array().cloned().unwrap_or_default();
        if r.url.ends_with("$skiptoken=2") {
            Ok(HttpResponse::json(200, &json!({"value": rows[1..]})))
        } else {
            let link = format!("{ORIGIN}/api/data/v9.2/roles?$skiptoken=2");
            Ok(HttpResponse::json(
                200,
                &json!({"value": rows[..1], "@odata.nextLink": link}),
            ))
        }
    });
    assert!(
        matches!(outcome, Outcome::Configured { already: false, .. }),
        "{outcome:?}"
    );
    assert_eq!(sent.iter().filter(|r| is_roles_read(r)).count(), 2);
    assert!(m.is_configured(US));

    // Endless pages on the same origin: refused after exactly the cap, nothing written.
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let mut n = 0;
    let (outcome, sent) = run_answering(&mut p, &mut m, |m, r| {
        if is_roles_read(r) {
            n += 1;
            Ok(with_link(
                m,
                r,
                format!("{ORIGIN}/api/data/v9.2/roles?$skiptoken={n}"),
            ))
        } else {
            Ok(m.handle(r))
        }
    });
    let Outcome::Failed {
        error: ProcedureError::Api { error, remedy, .. },
    } = &outcome
    else {
        panic!("{outcome:?}")
    };
    assert_eq!(error, &ApiError::TooManyPages { pages: MAX_PAGES });
    assert_eq!(remedy, &Remedy::ListTooLong { pages: MAX_PAGES });
    assert_eq!(
        sent.iter().filter(|r| is_roles_read(r)).count() as u32,
        MAX_PAGES
    );
    assert!(sent.iter().all(|r| r.method == Method::Get));
}

#[test]
fn an_answer_too_large_ends_a_read_at_once_and_makes_a_write_doubtful() {
    let too_large = || TransportError::TooLarge {
        limit_bytes: 8 * 1024 * 1024,
        declared_bytes: Some(1 << 30),
    };

    // A read: not retried (it would be as large again), failed with the remedy.
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (outcome, sent) = run_answering(&mut p, &mut m, |m, r| {
        if is_roles_read(r) {
            Err(too_large())
        } else {
            Ok(m.handle(r))
        }
    });
    let Outcome::Failed { error } = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(error.remedy(), Remedy::AnswerTooLarge { limit_mb: 8 });
    assert_eq!(
        sent.iter().filter(|r| is_roles_read(r)).count(),
        1,
        "not retried"
    );

    // A write: the service may have acted, so the user is re-read and nothing is resent blind.
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let mut first = true;
    let (outcome, sent) = run_answering(&mut p, &mut m, |m, r| {
        if r.method == Method::Post && r.url.ends_with("/systemusers") && std::mem::take(&mut first)
        {
            m.handle(r);
            Err(too_large())
        } else {
            Ok(m.handle(r))
        }
    });
    assert!(matches!(outcome, Outcome::Configured { .. }), "{outcome:?}");
    let create = sent
        .iter()
        .position(|r| r.method == Method::Post)
        .expect("a create");
    assert!(
        sent[create + 1].url.contains("systemusers?"),
        "re-read next: {}",
        sent[create + 1].url
    );
    assert_eq!(
        sent.iter()
            .filter(|r| r.method == Method::Post && r.url.ends_with("/systemusers"))
            .count(),
        1
    );
}

#[test]
fn a_request_the_transport_refused_to_send_elsewhere_ends_the_read_with_the_host_named() {
    let mut m = Model::fresh(US);
    let mut p = Procedure::new(target(), unattended());
    let (outcome, sent) = run_answering(&mut p, &mut m, |m, r| {
        if is_roles_read(r) {
            Err(TransportError::WrongOrigin {
                host: "https://evil.example".into(),
                audience: ORIGIN.into(),
            })
        } else {
            Ok(m.handle(r))
        }
    });
    let Outcome::Failed { error } = &outcome else {
        panic!("{outcome:?}")
    };
    assert_eq!(
        error.remedy(),
        Remedy::AnswerLeftTheService {
            host: "https://evil.example".into()
        }
    );
    assert_eq!(
        sent.iter().filter(|r| is_roles_read(r)).count(),
        1,
        "not retried"
    );
}

/// Serves several environments from one model each; one environment's role listing links to
/// another environment.
struct Tenant {
    models: RefCell<Vec<(String, Model)>>,
    sent: RefCell<Vec<HttpRequest>>,
}

impl HttpClient for Tenant {
    async fn send(&self, mut req: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.borrow_mut().push(req.clone());
        tokio::task::yield_now().await;
        let mut models = self.models.borrow_mut();
        let idx = models
            .iter()
            .position(|(o, _)| req.url.starts_with(o.as_str()))
            .unwrap_or(0);
        let origin = models[idx].0.clone();
        req.url = req.url.replacen(&origin, ORIGIN, 1);
        let model = &mut models[idx].1;
        if idx == 0 && is_roles_read(&req) {
            return Ok(with_link(
                model,
                &req,
                "https://env1.crm.dynamics.com/api/data/v9.2/roles?$skiptoken=stolen".into(),
            ));
        }
        Ok(model.handle(&req))
    }
}

struct Yes;

impl Prompter for Yes {
    async fn ask(&self, _: &EnvironmentRef, prompt: &Prompt) -> PromptAnswer {
        agree(prompt)
    }
    async fn renew_sign_in(&self, _: &str) -> Result<(), String> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn through_tenant_reads_a_foreign_next_link_fails_only_its_own_environment() {
    let origins = [
        "https://env0.crm.dynamics.com",
        "https://env1.crm.dynamics.com",
    ];
    let tenant = Tenant {
        models: RefCell::new(
            origins
                .iter()
                .map(|o| (o.to_string(), Model::fresh(US)))
                .collect(),
        ),
        sent: RefCell::new(Vec::new()),
    };
    let shared = TenantReads::new(&tenant, &[&support::model::graph()]);
    let clock = support::fake_time::PausedClock::new();
    let mut outcomes = Vec::new();
    for origin in origins {
        let mut t = target();
        t.environment = EnvironmentRef {
            id: None,
            name: origin.into(),
            url: origin.into(),
        };
        let mut p = Procedure::new(t, unattended());
        outcomes.push(drive(&mut p, &shared, &clock, &Yes).await);
    }
    assert!(
        matches!(&outcomes[0], Outcome::Failed { error: ProcedureError::Api { error: ApiError::ForeignNextLink { host, .. }, .. } } if host == origins[1]),
        "{:?}",
        outcomes[0]
    );
    assert!(
        matches!(outcomes[1], Outcome::Configured { .. }),
        "{:?}",
        outcomes[1]
    );
    assert!(
        tenant
            .sent
            .borrow()
            .iter()
            .all(|r| !r.url.contains("stolen")),
        "the link was never followed"
    );
}
