//! The fresh-environment run, request by request: method, URL, headers and body are asserted
//! against the wire format in the reference, answers come from JSON fixtures.

mod support;

use serde_json::json;
use support::{fixture, target};
use w365_core::http::{HttpRequest, HttpResponse, Method};
use w365_core::procedure::prompt::{Prompt, PromptAnswer};
use w365_core::procedure::{Answer, Command, Input, Options, Outcome, Outgoing, Procedure};
use w365_core::record::Stage;

const BASE: &str = "https://contoso.crm.dynamics.com/api/data/v9.2";
use w365_core::cloud::Cloud;
use w365_core::preset::{
    WORK365_EU_APP_ID as EU, WORK365_PORTAL_ROLE, WORK365_SERVICE_ROLE, WORK365_US_APP_ID as US,
};
const NEW_USER: &str = "00000000-0000-0000-0000-00000000e001";

fn sent(cmd: &Command) -> Vec<Outgoing> {
    match cmd {
        Command::Send { requests } => requests.clone(),
        other => panic!("expected Send, got {other:?}"),
    }
}

/// Asserts the requests (in order) and that each carries the standard headers and audience.
fn expect(reqs: &[Outgoing], want: &[(Method, String)]) {
    let got: Vec<(Method, String)> = reqs
        .iter()
        .map(|o| (o.request.method, o.request.url.clone()))
        .collect();
    assert_eq!(got, want);
    for o in reqs {
        let r: &HttpRequest = &o.request;
        assert_eq!(r.header("Accept"), Some("application/json"), "{}", r.url);
        assert_eq!(r.header("OData-MaxVersion"), Some("4.0"));
        assert_eq!(r.header("OData-Version"), Some("4.0"));
        assert!(
            r.header("Authorization").is_none(),
            "the core never sees a token"
        );
        if r.body.is_some() {
            assert_eq!(r.header("Content-Type"), Some("application/json"));
        }
        let audience = r.audience.as_deref().unwrap_or_default();
        assert!(
            r.url.starts_with(audience) && !audience.is_empty(),
            "{} for {audience}",
            r.url
        );
    }
}

fn body(o: &Outgoing) -> serde_json::Value {
    serde_json::from_slice(o.request.body.as_deref().unwrap_or_default()).unwrap_or_default()
}

fn ok(o: &Outgoing, file: &str) -> Answer {
    Answer {
        id: o.id,
        result: Ok(HttpResponse::json(200, &fixture(file))),
    }
}

fn get(url: String) -> (Method, String) {
    (Method::Get, url)
}

/// The first round's requests, in order: every read at once (the caller's roles with the
/// caller's own row, the service role's holders with the roles).
fn first_round(apps: &str) -> Vec<(Method, String)> {
    let graph = Cloud::Public.endpoints().graph;
    // Role names as they go into a URL (only their spaces need escaping).
    let (service, portal) = (
        WORK365_SERVICE_ROLE.replace(' ', "%20"),
        WORK365_PORTAL_ROLE.replace(' ', "%20"),
    );
    vec![
        get(format!("{BASE}/WhoAmI")),
        get(format!("{BASE}/systemusers?$select=systemuserid&$filter=Microsoft.Dynamics.CRM.EqualUserId(PropertyName='systemuserid')&$expand=systemuserroles_association($select=roleid,name,_roletemplateid_value)")),
        get(format!("{BASE}/businessunits?$select=businessunitid,name&$filter=_parentbusinessunitid_value%20eq%20null")),
        get(format!("{BASE}/roles?$select=roleid,name,_businessunitid_value&$filter=name%20eq%20'{service}'%20or%20name%20eq%20'{portal}'&$expand=systemuserroles_association($select=systemuserid,fullname,domainname,islicensed,applicationid,isdisabled)")),
        get(format!("{BASE}/systemusers?$select=systemuserid,fullname,applicationid,isdisabled,deletedstate,_businessunitid_value&$filter={apps}&$expand=systemuserroles_association($select=roleid,name,_businessunitid_value)")),
        get(format!("{graph}/v1.0/servicePrincipals(appId='{US}')?$select=id,appId,displayName")),
        get(format!("{graph}/v1.0/servicePrincipals(appId='{EU}')?$select=id,appId,displayName")),
        get(format!("{BASE}/solutions?$select=uniquename,friendlyname,version&$filter=contains(uniquename,'Work%20365')%20or%20contains(friendlyname,'Work%20365')%20or%20contains(uniquename,'Work365')%20or%20contains(friendlyname,'Work365')")),
        get(format!("{BASE}/appmodules?$select=appmoduleid,uniquename,name&$filter=uniquename%20eq%20'Work365'")),
    ]
}

/// Answers to the first round from fixtures (the EU app not consented), with `app_users`
/// for the application-user read and `current_user` for the caller's own row.
fn first_answers(r1: &[Outgoing], app_users: &str, current_user: Answer) -> Vec<Answer> {
    vec![
        ok(&r1[0], "whoami.json"),
        current_user,
        ok(&r1[2], "root_business_unit.json"),
        ok(&r1[3], "roles_with_holders.json"),
        ok(&r1[4], app_users),
        ok(&r1[5], "service_principal.json"),
        Answer {
            id: r1[6].id,
            result: Ok(HttpResponse::json(404, &fixture("graph_not_found.json"))),
        },
        ok(&r1[7], "solutions.json"),
        ok(&r1[8], "app_modules.json"),
    ]
}

#[test]
fn fresh_environment_sends_exactly_the_documented_requests_in_four_stages() {
    let mut p = Procedure::new(target(), Options::default());
    let mut now = 1_000;

    // Stage 1, one round: every read at once.
    let r1 = sent(&p.start(now));
    expect(
        &r1,
        &first_round(&format!(
            "applicationid%20eq%20{US}%20or%20applicationid%20eq%20{EU}"
        )),
    );
    assert_eq!(
        r1[3].request.header("Prefer"),
        Some("odata.maxpagesize=500")
    );
    assert_eq!(
        r1[5].request.audience,
        Some(Cloud::Public.endpoints().graph)
    );
    let current_user = ok(&r1[1], "current_user_sysadmin.json");
    let answers = first_answers(&r1, "app_users_none.json", current_user);
    now += 100;
    let cmd = p.handle(Input::Answers { answers }, now);

    // Only the US app is consented: chosen without asking. The plan is shown for confirmation.
    let Command::Prompt {
        prompt: Prompt::ConfirmPlan { plan },
    } = cmd
    else {
        panic!("expected the plan, got {cmd:?}")
    };
    assert_eq!(plan.steps.len(), 3, "{plan:?}");
    assert_eq!(
        p.inspection().service_accounts().len(),
        1,
        "the licensed service account is found: a holder of the root copy, not the child's"
    );
    assert_eq!(p.inspection().caller_roles_by_id, None);

    // Stage 2: create, with the body Microsoft's own provider sends.
    let r3 = sent(&p.handle(
        Input::Choice {
            answer: PromptAnswer::Proceed,
        },
        now,
    ));
    expect(&r3, &[(Method::Post, format!("{BASE}/systemusers"))]);
    assert_eq!(
        body(&r3[0]),
        json!({"applicationid": US, "accessmode": 4, "isdisabled": false, "businessunitid@odata.bind": "/businessunits(00000000-0000-0000-0000-00000000b001)"})
    );
    now += 100;
    let created = HttpResponse::empty(204)
        .with_header("OData-EntityId", &format!("{BASE}/systemusers({NEW_USER})"));

    // Stage 3: both roles at once.
    let r4 = sent(&p.handle(
        Input::Answers {
            answers: vec![Answer {
                id: r3[0].id,
                result: Ok(created),
            }],
        },
        now,
    ));
    let assoc = format!("{BASE}/systemusers({NEW_USER})/systemuserroles_association/$ref");
    expect(&r4, &[(Method::Post, assoc.clone()), (Method::Post, assoc)]);
    assert_eq!(
        body(&r4[0]),
        json!({"@odata.id": format!("{BASE}/roles(00000000-0000-0000-0000-00000000a001)")})
    );
    assert_eq!(
        body(&r4[1]),
        json!({"@odata.id": format!("{BASE}/roles(00000000-0000-0000-0000-00000000a002)")})
    );
    now += 100;

    // Stage 4: read back, for this app only.
    let r5 = sent(
        &p.handle(
            Input::Answers {
                answers: r4
                    .iter()
                    .map(|o| Answer {
                        id: o.id,
                        result: Ok(HttpResponse::empty(204)),
                    })
                    .collect(),
            },
            now,
        ),
    );
    expect(
        &r5,
        &[get(format!(
            "{BASE}/systemusers?$select=systemuserid,fullname,applicationid,isdisabled,deletedstate,_businessunitid_value&$filter=applicationid%20eq%20{US}&$expand=systemuserroles_association($select=roleid,name,_businessunitid_value)"
        ))],
    );
    now += 100;
    let mut cmd = p.handle(
        Input::Answers {
            answers: vec![ok(&r5[0], "app_user_configured.json")],
        },
        now,
    );

    // Guide: four confirmations with the deep link into Work 365.
    for i in 0..4 {
        let Command::Prompt {
            prompt:
                Prompt::GuideStep {
                    index,
                    deep_link,
                    app_id,
                    evidence,
                    ..
                },
        } = &cmd
        else {
            panic!("expected guide step {i}, got {cmd:?}")
        };
        assert_eq!(*index, i);
        assert_eq!(deep_link.as_deref(), Some("https://contoso.crm.dynamics.com/main.aspx?appid=00000000-0000-0000-0000-00000000d001"));
        assert_eq!(app_id.as_str(), US);
        // The guide shows the read-back before the admin switches.
        assert_eq!(evidence.as_ref().map(|e| e.app_id.as_str()), Some(US));
        now += 1000;
        cmd = p.handle(
            Input::Choice {
                answer: PromptAnswer::Confirmed,
            },
            now,
        );
    }
    let Command::Done {
        outcome: Outcome::Configured { evidence, already },
    } = cmd
    else {
        panic!("expected configured, got {cmd:?}")
    };
    assert!(!already);
    assert!(evidence.enabled && evidence.missing_roles.is_empty());
    assert_eq!(evidence.business_unit_name.as_deref(), Some("contoso"));
    assert_eq!(evidence.roles.len(), 2);

    let rec = p.record();
    assert_eq!(
        rec.stages,
        vec![Stage::Inspect, Stage::Create, Stage::Assign, Stage::Verify]
    );
    assert_eq!(
        rec.round_trips, 4,
        "inspect takes one round trip: nothing in it waits for another answer"
    );
    assert_eq!(rec.writes.len(), 3);
    assert!(rec
        .writes
        .iter()
        .all(|w| w.status == Some(204) && w.path.starts_with("/api/data/v9.2/systemusers")));
    assert_eq!(rec.confirmations.len(), 5, "plan + four guide steps");
    let json = serde_json::to_string(rec).unwrap();
    assert!(!json.to_lowercase().contains("bearer") && !json.contains("Authorization"));
}

#[test]
fn configured_environment_needs_only_the_inspect_stage_and_writes_nothing() {
    let mut p = Procedure::new(
        target(),
        Options::unattended(w365_core::procedure::Mode::Setup),
    );
    let r1 = sent(&p.start(0));
    let current_user = ok(&r1[1], "current_user_sysadmin.json");
    let answers = first_answers(&r1, "app_user_configured.json", current_user);
    let cmd = p.handle(Input::Answers { answers }, 10);
    let Command::Done {
        outcome: Outcome::Configured { already: true, .. },
    } = cmd
    else {
        panic!("{cmd:?}")
    };
    assert_eq!(p.record().stages, vec![Stage::Inspect]);
    assert_eq!(p.record().writes.len(), 0);
    assert_eq!(p.record().round_trips, 1);
}

/// When the first round's read of the caller's own row is refused (or finds no row of the
/// caller), the caller's roles are read the way that needs `WhoAmI`'s id, in a round of their
/// own, and the record says why.
#[test]
fn the_caller_s_roles_are_read_by_id_when_the_signed_in_user_s_row_cannot_be() {
    let refused = |o: &Outgoing| Answer {
        id: o.id,
        result: Ok(HttpResponse::json(
            400,
            &json!({"error": {"code": "0x80060888", "message": "Query function EqualUserId is not supported here."}}),
        )),
    };
    let no_row = |o: &Outgoing| Answer {
        id: o.id,
        result: Ok(HttpResponse::json(200, &json!({"value": []}))),
    };
    for (answer, why) in [
        (refused as fn(&Outgoing) -> Answer, "was refused"),
        (no_row, "gave no row of the caller"),
    ] {
        let mut p = Procedure::new(
            target(),
            Options::unattended(w365_core::procedure::Mode::Setup),
        );
        let r1 = sent(&p.start(0));
        let answers = first_answers(&r1, "app_user_configured.json", answer(&r1[1]));
        let r2 = sent(&p.handle(Input::Answers { answers }, 10));
        expect(
            &r2,
            &[get(format!("{BASE}/systemusers(00000000-0000-0000-0000-00000000c001)/systemuserroles_association?$select=roleid,name,_roletemplateid_value"))],
        );
        let cmd = p.handle(
            Input::Answers {
                answers: vec![ok(&r2[0], "caller_roles_sysadmin.json")],
            },
            20,
        );
        assert!(
            matches!(
                cmd,
                Command::Done {
                    outcome: Outcome::Configured { already: true, .. }
                }
            ),
            "{why}: {cmd:?}"
        );
        assert_eq!(p.record().round_trips, 2, "{why}");
        let reason = p
            .inspection()
            .caller_roles_by_id
            .clone()
            .unwrap_or_default();
        assert!(reason.contains(why), "{reason}");
        assert_eq!(
            p.inspection().service_accounts().len(),
            1,
            "the holders still came with the roles"
        );
    }
}
