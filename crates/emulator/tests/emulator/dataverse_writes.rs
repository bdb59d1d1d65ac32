//! Dataverse's writes: creating an application user (and every way it is refused), enabling
//! it, and associating and removing roles, with the privileges each needs.

use serde_json::{json, Value};

use crate::common::*;

#[tokio::test]
async fn create_without_business_unit_is_refused() {
    let t = start("demo");
    let r = t
        .post_json(
            &t.dv("contosoprod", "systemusers"),
            &t.admin_prod(),
            &json!({"applicationid": US_APP, "accessmode": 4}),
        )
        .await;
    assert_eq!(r.status(), 400);
    let b: Value = r.json().await.expect("j");
    assert_eq!(b["error"]["message"], "Expecting business column to be set");
}

#[tokio::test]
async fn create_application_user_answers_204_with_entity_id() {
    let t = start("demo");
    let bu = t.root_bu("contosoprod");
    let r = t
        .post_json(
            &t.real("contosoprod.crm.dynamics.com", "/api/data/v9.2/systemusers"),
            &t.admin_prod(),
            &app_user_body(US_APP, &bu),
        )
        .await;
    assert_eq!(r.status(), 204);
    let loc = r.headers()["odata-entityid"]
        .to_str()
        .expect("h")
        .to_string();
    assert!(
        loc.starts_with("https://contosoprod.crm.dynamics.com/api/data/v9.2/systemusers("),
        "{loc}"
    );
    let (s, u) = t
        .get(
            &loc.replace(
                "https://contosoprod.crm.dynamics.com",
                &t.real("contosoprod.crm.dynamics.com", ""),
            ),
            &t.admin_prod(),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(u["fullname"], "# Work 365");
    assert_eq!(u["islicensed"], false);
    assert_eq!(u["accessmode"], 4);
    assert_eq!(u["deletedstate"], 0);
    assert_eq!(u["applicationid"], US_APP);
}

#[tokio::test]
async fn duplicate_application_user_gives_412() {
    let t = start("demo");
    let bu = t.root_bu("contososandbox");
    let tok = t.token(ADMIN, "https://contososandbox.crm.dynamics.com");
    let r = t
        .post_json(
            &t.dv("contososandbox", "systemusers"),
            &tok,
            &app_user_body(US_APP, &bu),
        )
        .await;
    assert_eq!(r.status(), 412);
    let b: Value = r.json().await.expect("j");
    assert_eq!(b["error"]["code"], "0x80040237");
}

#[tokio::test]
async fn soft_deleted_application_user_blocks_create_with_412() {
    let t = start("soft-deleted-app-user");
    let bu = t.root_bu("contosoprod");
    let r = t
        .post_json(
            &t.dv("contosoprod", "systemusers"),
            &t.admin_prod(),
            &app_user_body(US_APP, &bu),
        )
        .await;
    assert_eq!(r.status(), 412);
    let (_, b) = t
        .get(
            &t.dv(
                "contosoprod",
                &format!("systemusers?$filter=applicationid eq {US_APP}&$select=deletedstate"),
            ),
            &t.admin_prod(),
        )
        .await;
    assert_eq!(b["value"][0]["deletedstate"], 1);
}

#[tokio::test]
async fn create_without_consented_service_principal_is_refused() {
    let t = start("not-consented");
    let bu = t.root_bu("contosoprod");
    let r = t
        .post_json(
            &t.dv("contosoprod", "systemusers"),
            &t.admin_prod(),
            &app_user_body(US_APP, &bu),
        )
        .await;
    assert_eq!(r.status(), 400);
    let b: Value = r.json().await.expect("j");
    assert!(b["error"]["message"].as_str().expect("m").contains(US_APP));
}

#[tokio::test]
async fn create_without_prv_create_user_gives_403() {
    let t = start("not-sysadmin");
    let bu = t.root_bu("contosoprod");
    let r = t
        .post_json(
            &t.dv("contosoprod", "systemusers"),
            &t.admin_prod(),
            &app_user_body(US_APP, &bu),
        )
        .await;
    assert_eq!(r.status(), 403);
    let b: Value = r.json().await.expect("j");
    assert_eq!(b["error"]["code"], "0x80040220");
    let m = b["error"]["message"].as_str().expect("m");
    assert!(
        m.starts_with("Principal user (Id=")
            && m.contains("is missing prvCreateUser privilege (Id="),
        "{m}"
    );
}

#[tokio::test]
async fn create_with_unknown_business_unit_or_property_is_refused() {
    let t = start("demo");
    let r = t
        .post_json(
            &t.dv("contosoprod", "systemusers"),
            &t.admin_prod(),
            &app_user_body(US_APP, "00000000-0000-0000-0000-00000000abcd"),
        )
        .await;
    assert_eq!(r.status(), 400);
    let mut body = app_user_body(US_APP, &t.root_bu("contosoprod"));
    body["nosuchfield"] = json!(1);
    let r = t
        .post_json(&t.dv("contosoprod", "systemusers"), &t.admin_prod(), &body)
        .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn malformed_json_body_gives_400_in_dataverse_shape() {
    let t = start("demo");
    let r = t
        .http
        .post(t.dv("contosoprod", "systemusers"))
        .bearer_auth(t.admin_prod())
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 400);
    let b: Value = r.json().await.expect("j");
    assert_eq!(b["error"]["code"], "0x80060888");
}

#[tokio::test]
async fn patch_enables_a_disabled_application_user() {
    let t = start("disabled-app-user");
    let tok = t.admin_prod();
    let (_, b) = t
        .get(
            &t.dv(
                "contosoprod",
                &format!(
                    "systemusers?$filter=applicationid eq {US_APP}&$select=systemuserid,isdisabled"
                ),
            ),
            &tok,
        )
        .await;
    assert_eq!(b["value"][0]["isdisabled"], true);
    let id = b["value"][0]["systemuserid"].as_str().expect("id");
    let r = t
        .http
        .patch(t.dv("contosoprod", &format!("systemusers({id})")))
        .bearer_auth(&tok)
        .json(&json!({"isdisabled": false}))
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 204);
    let (_, u) = t
        .get(
            &t.dv(
                "contosoprod",
                &format!("systemusers({id})?$select=isdisabled"),
            ),
            &tok,
        )
        .await;
    assert_eq!(u["isdisabled"], false);
}

async fn app_user_id(t: &T, org: &str, tok: &str) -> String {
    let (_, b) = t
        .get(
            &t.dv(
                org,
                &format!("systemusers?$filter=applicationid eq {US_APP}&$select=systemuserid"),
            ),
            tok,
        )
        .await;
    b["value"][0]["systemuserid"]
        .as_str()
        .expect("id")
        .to_string()
}

#[tokio::test]
async fn role_association_adds_and_removes_roles() {
    let t = start("partial-setup");
    let tok = t.admin_prod();
    let user = app_user_id(&t, "contosoprod", &tok).await;
    let bu = t.root_bu("contosoprod");
    let portal = t.role_id("contosoprod", "Work 365 Portal Service", &bu);
    let body = json!({"@odata.id": format!("{PROD}/api/data/v9.2/roles({portal})")});
    let r = t
        .post_json(
            &t.dv(
                "contosoprod",
                &format!("systemusers({user})/systemuserroles_association/$ref"),
            ),
            &tok,
            &body,
        )
        .await;
    assert_eq!(r.status(), 204);
    let (_, held) = t
        .get(
            &t.dv(
                "contosoprod",
                &format!("systemusers({user})/systemuserroles_association?$select=name"),
            ),
            &tok,
        )
        .await;
    assert_eq!(held["value"].as_array().expect("v").len(), 2);
    // Associating again is a no-op.
    let r = t
        .post_json(
            &t.dv(
                "contosoprod",
                &format!("systemusers({user})/systemuserroles_association/$ref"),
            ),
            &tok,
            &body,
        )
        .await;
    assert_eq!(r.status(), 204);
    let (_, held) = t
        .get(
            &t.dv(
                "contosoprod",
                &format!("systemusers({user})/systemuserroles_association"),
            ),
            &tok,
        )
        .await;
    assert_eq!(held["value"].as_array().expect("v").len(), 2);
    // Both removal forms.
    let r = t.http.delete(t.dv("contosoprod", &format!("systemusers({user})/systemuserroles_association/$ref?$id={PROD}/api/data/v9.2/roles({portal})"))).bearer_auth(&tok).send().await.expect("r");
    assert_eq!(r.status(), 204);
    let svc = t.role_id("contosoprod", "Work 365 Service", &bu);
    let r = t
        .http
        .delete(t.dv(
            "contosoprod",
            &format!("systemusers({user})/systemuserroles_association({svc})/$ref"),
        ))
        .bearer_auth(&tok)
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 204);
    let (_, held) = t
        .get(
            &t.dv(
                "contosoprod",
                &format!("systemusers({user})/systemuserroles_association"),
            ),
            &tok,
        )
        .await;
    assert_eq!(held["value"].as_array().expect("v").len(), 0);
}

#[tokio::test]
async fn role_from_another_business_unit_is_refused() {
    let t = start("roles-in-child-bu");
    let tok = t.admin_prod();
    let bu = t.root_bu("contosoprod");
    let r = t
        .post_json(
            &t.dv("contosoprod", "systemusers"),
            &tok,
            &app_user_body(US_APP, &bu),
        )
        .await;
    assert_eq!(r.status(), 204);
    let user = app_user_id(&t, "contosoprod", &tok).await;
    let (_, roles) = t
        .get(
            &t.dv(
                "contosoprod",
                "roles?$filter=name eq 'Work 365 Service'&$select=roleid",
            ),
            &tok,
        )
        .await;
    let role = roles["value"][0]["roleid"].as_str().expect("id");
    let body = json!({"@odata.id": format!("{PROD}/api/data/v9.2/roles({role})")});
    let r = t
        .post_json(
            &t.dv(
                "contosoprod",
                &format!("systemusers({user})/systemuserroles_association/$ref"),
            ),
            &tok,
            &body,
        )
        .await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn non_sysadmin_cannot_assign_a_role_with_privileges_they_lack() {
    // A caller with prvAssignRole but without the Work 365 privileges.
    let mut s: Value =
        serde_json::from_str(include_str!("../../scenarios/partial-setup.json")).expect("json");
    s["environments"][0]["roles"].as_array_mut().expect("roles").push(json!({"name": "Role Manager", "privileges": ["prvAssignRole", "prvReadUser", "prvReadRole"]}));
    s["environments"][0]["system_users"][0]["roles"] = json!(["Role Manager"]);
    let path = std::env::temp_dir().join(format!("w365-emu-rolemgr-{}.json", std::process::id()));
    std::fs::write(&path, s.to_string()).expect("write");
    let t = start(path.to_str().expect("path"));
    let tok = t.admin_prod();
    let user = app_user_id(&t, "contosoprod", &tok).await;
    let bu = t.root_bu("contosoprod");
    let portal = t.role_id("contosoprod", "Work 365 Portal Service", &bu);
    let body = json!({"@odata.id": format!("{PROD}/api/data/v9.2/roles({portal})")});
    let r = t
        .post_json(
            &t.dv(
                "contosoprod",
                &format!("systemusers({user})/systemuserroles_association/$ref"),
            ),
            &tok,
            &body,
        )
        .await;
    assert_eq!(r.status(), 403);
    let b: Value = r.json().await.expect("j");
    assert_eq!(b["error"]["code"], "0x80040220");
    let basic = t.role_id("contosoprod", "Basic User", &bu);
    let body = json!({"@odata.id": format!("{PROD}/api/data/v9.2/roles({basic})")});
    let r = t
        .post_json(
            &t.dv(
                "contosoprod",
                &format!("systemusers({user})/systemuserroles_association/$ref"),
            ),
            &tok,
            &body,
        )
        .await;
    assert_eq!(
        r.status(),
        403,
        "Basic User holds prvReadBusinessUnit, which the caller lacks"
    );
    let _ = std::fs::remove_file(path);
}
