//! Rules added for issue 9: string environment ids, disabled environments, roles only for
//! enabled users, the re-enable body, `contains` on solutions, and faults that take effect.

use serde_json::{json, Value};

use crate::common::*;

const TRAINING: &str = "https://contosotraining.crm.dynamics.com";

fn instances(b: &Value) -> Vec<Value> {
    b["value"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn discovery_lists_the_default_environment_with_its_string_id_and_a_disabled_one_with_state_1(
) {
    let t = start("demo");
    let tok = t.token(ADMIN, DISCO);
    let (s, b) = t
        .get(
            &t.real(
                "globaldisco.crm.dynamics.com",
                "/api/discovery/v2.0/Instances",
            ),
            &tok,
        )
        .await;
    assert_eq!(s, 200);
    let tenant = t.emu.state_json()["tenant"]["id"]
        .as_str()
        .expect("tenant")
        .to_owned();
    let v = instances(&b);
    let default = v
        .iter()
        .find(|e| e["UniqueName"] == "contosodefault")
        .expect("default environment listed");
    assert_eq!(default["EnvironmentId"], format!("Default-{tenant}"));
    assert_eq!(default["FriendlyName"], "Contoso (default)");
    assert_eq!(default["State"], 0);
    let training = v
        .iter()
        .find(|e| e["UniqueName"] == "contosotraining")
        .expect("disabled environment listed");
    assert_eq!(training["State"], 1);
    // The admin center's page for the default environment answers under its string id.
    let r = t
        .http
        .get(t.real(
            "admin.powerplatform.microsoft.com",
            &format!("/manage/environments/Default-{tenant}/hub"),
        ))
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_disabled_environment_s_web_api_serves_nothing() {
    let t = start("demo");
    let tok = t.token(ADMIN, TRAINING);
    for path in ["WhoAmI", "systemusers?$select=systemuserid", "roles"] {
        let (s, b) = t
            .get(
                &t.real(
                    "contosotraining.crm.dynamics.com",
                    &format!("/api/data/v9.2/{path}"),
                ),
                &tok,
            )
            .await;
        assert_eq!(s, 503, "{path}");
        assert_eq!(b["error"]["code"], "0x8004A104", "{path}");
        assert!(b["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("currently disabled")));
    }
    let r = t
        .post_json(
            &t.real(
                "contosotraining.crm.dynamics.com",
                "/api/data/v9.2/systemusers",
            ),
            &tok,
            &app_user_body(US_APP, &t.root_bu("contosotraining")),
        )
        .await;
    assert_eq!(r.status(), 503);
    let users = env_of(&t.emu.state_json(), "contosotraining")["system_users"]
        .as_array()
        .map(Vec::len);
    assert_eq!(users, Some(3), "nothing created in a disabled environment");
}

async fn app_user(t: &T, org: &str, tok: &str) -> Value {
    let (_, b) = t
        .get(
            &t.dv(
                org,
                &format!(
                    "systemusers?$filter=applicationid eq {US_APP}&$select=systemuserid,isdisabled"
                ),
            ),
            tok,
        )
        .await;
    b["value"][0].clone()
}

async fn associate(t: &T, org: &str, tok: &str, user: &str, role: &str) -> (u16, Value) {
    let r = t
        .post_json(
            &t.dv(
                org,
                &format!("systemusers({user})/systemuserroles_association/$ref"),
            ),
            tok,
            &json!({"@odata.id": t.dv(org, &format!("roles({role})"))}),
        )
        .await;
    let s = r.status().as_u16();
    (s, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_role_is_refused_for_a_disabled_user_and_accepted_once_enabled() {
    let t = start("disabled-app-user");
    let tok = t.admin_prod();
    let user = app_user(&t, "contosoprod", &tok).await;
    let id = user["systemuserid"].as_str().expect("id").to_owned();
    assert_eq!(user["isdisabled"], true);
    let bu = t.root_bu("contosoprod");
    let role = t.role_id("contosoprod", "Work 365 Portal Service", &bu);
    let (s, b) = associate(&t, "contosoprod", &tok, &id, &role).await;
    assert_eq!(s, 403);
    assert_eq!(b["error"]["code"], "0x80040225");
    // Enabled with the body Microsoft's provider sends, the same role goes through.
    let r = t
        .http
        .patch(t.dv("contosoprod", &format!("systemusers({id})")))
        .bearer_auth(&tok)
        .json(&json!({"isdisabled": false, "applicationid": US_APP.to_uppercase()}))
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 204);
    let (s, _) = associate(&t, "contosoprod", &tok, &id, &role).await;
    assert_eq!(s, 204);
}

#[tokio::test]
async fn a_patch_cannot_change_the_application_id() {
    let t = start("disabled-app-user");
    let tok = t.admin_prod();
    let id = app_user(&t, "contosoprod", &tok).await["systemuserid"]
        .as_str()
        .expect("id")
        .to_owned();
    let r = t
        .http
        .patch(t.dv("contosoprod", &format!("systemusers({id})")))
        .bearer_auth(&tok)
        .json(&json!({"isdisabled": false, "applicationid": EU_APP}))
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 400);
    assert_eq!(app_user(&t, "contosoprod", &tok).await["isdisabled"], true);
}

#[tokio::test]
async fn allow_role_assignment_on_disabled_users_lets_the_role_through() {
    let mut v: Value =
        serde_json::from_str(include_str!("../../scenarios/disabled-app-user.json")).expect("json");
    v["environments"][0]["allowRoleAssignmentOnDisabledUsers"] = true.into();
    let path = std::env::temp_dir().join(format!("w365-emu-allow-{}.json", std::process::id()));
    std::fs::write(&path, v.to_string()).expect("write");
    let t = start(path.to_str().expect("path"));
    let _ = std::fs::remove_file(&path);
    let tok = t.admin_prod();
    let id = app_user(&t, "contosoprod", &tok).await["systemuserid"]
        .as_str()
        .expect("id")
        .to_owned();
    let bu = t.root_bu("contosoprod");
    let role = t.role_id("contosoprod", "Work 365 Portal Service", &bu);
    let (s, _) = associate(&t, "contosoprod", &tok, &id, &role).await;
    assert_eq!(s, 204);
}

#[tokio::test]
async fn solutions_are_found_by_contains_on_either_name_ignoring_case() {
    let t = start("solution-named-otherwise");
    let tok = t.admin_prod();
    let query = "solutions?$select=uniquename,friendlyname,version&$filter=contains(uniquename,'work365') or contains(friendlyname,'WORK 365')";
    let (s, b) = t.get(&t.dv("contosoprod", query), &tok).await;
    assert_eq!(s, 200);
    let names: Vec<&str> = b["value"]
        .as_array()
        .expect("v")
        .iter()
        .filter_map(|s| s["uniquename"].as_str())
        .collect();
    assert_eq!(names, ["w365_Core"]);
    assert_eq!(b["value"][0]["version"], "3.6.0.3");
}

#[tokio::test]
async fn a_fault_can_answer_after_the_write_took_effect() {
    let t = start("demo");
    let tok = t.admin_prod();
    t.fault(json!({"method": "POST", "path": "/api/data/v9.2/systemusers", "action": {"status": 500, "processed": true, "body": "{}"}}))
        .await;
    let r = t
        .post_json(
            &t.dv("contosoprod", "systemusers"),
            &tok,
            &app_user_body(US_APP, &t.root_bu("contosoprod")),
        )
        .await;
    assert_eq!(r.status(), 500);
    let state = t.state().await;
    let created = env_of(&state, "contosoprod")["system_users"]
        .as_array()
        .expect("users")
        .iter()
        .filter(|u| u["applicationid"] == US_APP)
        .count();
    assert_eq!(created, 1, "the write took effect behind the 500");
    let entry = state["requests"]
        .as_array()
        .expect("log")
        .iter()
        .rev()
        .find(|e| e["method"] == "POST")
        .cloned()
        .expect("logged");
    assert_eq!(entry["fault"], "status 500 after processing");
    assert_eq!(entry["status"], 500);
}

#[test]
fn scenario_environment_ids_are_strings_and_a_default_one_names_the_tenant() {
    use w365_emulator::scenario;
    let demo: Value =
        serde_json::from_str(include_str!("../../scenarios/demo.json")).expect("json");
    let with_id = |id: &str| {
        let mut v = demo.clone();
        v["environments"][0]["id"] = id.into();
        v.to_string()
    };
    for (id, want) in [
        ("Trial.Env_1", "Trial.Env_1"),
        ("Legacy env/1", "Legacy env/1"),
        (
            "2F1D8C8E-1B0A-4F3E-9C7D-5A6B7C8D9E01",
            "2f1d8c8e-1b0a-4f3e-9c7d-5a6b7c8d9e01",
        ),
    ] {
        let tenant = scenario::parse("x.json", &with_id(id)).expect(id);
        assert_eq!(tenant.environments[0].id, want);
    }
    let err = scenario::parse("x.json", &with_id("")).expect_err("empty");
    assert_eq!(err.path, "environments[0].id");
    let err = scenario::parse(
        "x.json",
        &with_id("Default-00000000-0000-4000-8000-000000000001"),
    )
    .expect_err("another tenant's default");
    assert!(
        err.message.contains("Default-{tenant id}"),
        "{}",
        err.message
    );
    let err = scenario::parse(
        "x.json",
        &with_id("default-8F3C2A1E-5B7D-4E9A-9C1F-2D6E8A4B7C30"),
    )
    .expect_err("a second default environment");
    assert!(err.message.contains("duplicate"), "{}", err.message);
}
