use serde_json::{json, Value};

use crate::common::*;

#[tokio::test]
async fn whoami_returns_the_caller() {
    let t = start("demo");
    let (s, b) = t.get(&t.dv("contosoprod", "WhoAmI"), &t.admin_prod()).await;
    assert_eq!(s, 200);
    assert!(b["UserId"].is_string() && b["OrganizationId"].is_string());
    assert_eq!(b["BusinessUnitId"], t.root_bu("contosoprod"));
}

#[tokio::test]
async fn wrong_audience_token_gives_401() {
    let t = start("demo");
    let tok = t.token(ADMIN, "https://contososandbox.crm.dynamics.com");
    let r = t
        .http
        .get(t.dv("contosoprod", "WhoAmI"))
        .bearer_auth(&tok)
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"]
        .to_str()
        .expect("h")
        .starts_with("Bearer authorization_uri="));
}

#[tokio::test]
async fn expired_token_gives_401() {
    let t = start("demo");
    let r: Value = t
        .http
        .post(t.local("/_emulator/token"))
        .json(&json!({"user": ADMIN, "resource": PROD, "scopes": ["user_impersonation"], "lifetime_secs": -5}))
        .send()
        .await
        .expect("r")
        .json()
        .await
        .expect("j");
    let (s, _) = t
        .get(
            &t.dv("contosoprod", "WhoAmI"),
            r["access_token"].as_str().expect("t"),
        )
        .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn tampered_or_missing_token_gives_401() {
    let t = start("demo");
    let tok = t.admin_prod();
    let mut parts: Vec<String> = tok.split('.').map(str::to_string).collect();
    let c = claims(&tok);
    let mut forged = c.clone();
    forged["upn"] = json!("someone@else");
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        forged.to_string(),
    );
    assert_eq!(
        t.get(&t.dv("contosoprod", "WhoAmI"), &parts.join("."))
            .await
            .0,
        401
    );
    let r = t
        .http
        .get(t.dv("contosoprod", "WhoAmI"))
        .send()
        .await
        .expect("r");
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn trailing_slash_audience_and_prefix_audience_are_accepted() {
    let t = start("demo");
    let tok = t.token(ADMIN, "https://contosoprod.crm.dynamics.com/");
    assert_eq!(t.get(&t.dv("contosoprod", "WhoAmI"), &tok).await.0, 200);
    let tok = t.token(ADMIN, &t.local("/org/contosoprod"));
    assert_eq!(
        t.get(
            &t.real("contosoprod.crm.dynamics.com", "/api/data/v9.2/WhoAmI"),
            &tok
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn caller_without_system_user_gets_403() {
    let t = start("demo");
    let tok = t.token("nobody@contoso.onmicrosoft.com", PROD);
    let (s, b) = t.get(&t.dv("contosoprod", "WhoAmI"), &tok).await;
    assert_eq!(s, 403);
    assert_eq!(b["error"]["code"], "0x80072560");
}

#[tokio::test]
async fn filter_on_unknown_property_gives_400() {
    let t = start("demo");
    let (s, b) = t
        .get(
            &t.dv("contosoprod", "roles?$filter=nosuch eq 1"),
            &t.admin_prod(),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(b["error"]["code"], "0x80060888");
    assert_eq!(
        b["error"]["message"],
        "Could not find a property named 'nosuch' on type 'Microsoft.Dynamics.CRM.role'."
    );
    let (s, _) = t
        .get(
            &t.dv("contosoprod", "roles?$select=roleid,bogus"),
            &t.admin_prod(),
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn filter_syntax_error_gives_400() {
    let t = start("demo");
    let (s, b) = t
        .get(
            &t.dv("contosoprod", "roles?$filter=name eq 'unterminated"),
            &t.admin_prod(),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(b["error"]["code"], "0x80060888");
}

#[tokio::test]
async fn roles_resolve_by_name_and_root_business_unit() {
    let t = start("demo");
    let bu = t.root_bu("contosoprod");
    let q = format!("roles?$select=roleid,name,_businessunitid_value&$filter=_businessunitid_value eq {bu} and (name eq 'Work 365 Service' or name eq 'Work 365 Portal Service')");
    let (s, b) = t.get(&t.dv("contosoprod", &q), &t.admin_prod()).await;
    assert_eq!(s, 200, "{b}");
    let v = b["value"].as_array().expect("value");
    assert_eq!(v.len(), 2);
    assert!(v.iter().all(|r| r["_businessunitid_value"] == bu.as_str()));
    assert!(
        v[0].get("_roletemplateid_value").is_none(),
        "select projects"
    );
    assert!(b["@odata.context"]
        .as_str()
        .expect("ctx")
        .ends_with("$metadata#roles(roleid,name,_businessunitid_value)"));
    let (_, b) = t.get(&t.dv("contosoprod", "businessunits?$select=businessunitid,name&$filter=_parentbusinessunitid_value eq null"), &t.admin_prod()).await;
    assert_eq!(b["value"][0]["businessunitid"], bu.as_str());
}

#[tokio::test]
async fn roles_are_copied_into_every_business_unit() {
    let t = start("demo");
    let (_, b) = t
        .get(
            &t.dv("contosoprod", "roles?$filter=name eq 'Work 365 Service'"),
            &t.admin_prod(),
        )
        .await;
    let v = b["value"].as_array().expect("v");
    assert_eq!(v.len(), 2);
    assert_ne!(v[0]["roleid"], v[1]["roleid"]);
    assert_eq!(
        v[0]["_parentrootroleid_value"],
        v[1]["_parentrootroleid_value"]
    );
}

#[tokio::test]
async fn paging_returns_every_row_once() {
    let t = start("demo");
    let tok = t.admin_prod();
    let (_, all) = t
        .get(&t.dv("contosoprod", "roles?$select=roleid"), &tok)
        .await;
    let total = all["value"].as_array().expect("v").len();
    assert!(total > 5);
    let mut seen = Vec::new();
    let mut url = t.dv("contosoprod", "roles?$select=roleid,name");
    let mut pages = 0;
    loop {
        let r = t
            .http
            .get(&url)
            .bearer_auth(&tok)
            .header("Prefer", "odata.maxpagesize=3")
            .send()
            .await
            .expect("r");
        assert_eq!(r.headers()["preference-applied"], "odata.maxpagesize=3");
        let b: Value = r.json().await.expect("j");
        let v = b["value"].as_array().expect("v");
        assert!(v.len() <= 3);
        seen.extend(
            v.iter()
                .map(|r| r["roleid"].as_str().expect("id").to_string()),
        );
        pages += 1;
        match b["@odata.nextLink"].as_str() {
            Some(n) => url = n.to_string(),
            None => break,
        }
    }
    assert_eq!(seen.len(), total);
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), total);
    assert_eq!(pages, total.div_ceil(3));
}

#[tokio::test]
async fn orderby_and_top_are_honoured() {
    let t = start("demo");
    let (_, b) = t
        .get(
            &t.dv(
                "contosoprod",
                "roles?$select=name&$orderby=name desc&$top=2",
            ),
            &t.admin_prod(),
        )
        .await;
    let v = b["value"].as_array().expect("v");
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["name"], "Work 365 Service");
}

#[tokio::test]
async fn absent_entity_gives_404() {
    let t = start("demo");
    let (s, b) = t
        .get(
            &t.dv(
                "contosoprod",
                "systemusers(00000000-0000-0000-0000-000000000001)",
            ),
            &t.admin_prod(),
        )
        .await;
    assert_eq!(s, 404);
    assert_eq!(b["error"]["code"], "0x80040217");
}

#[tokio::test]
async fn expand_lists_roles_on_collections_and_single_entities() {
    let t = start("demo");
    let tok = t.admin_prod();
    let q = format!("systemusers?$filter=applicationid eq {US_APP}&$select=systemuserid,isdisabled&$expand=systemuserroles_association($select=roleid,name,_businessunitid_value)");
    let (s, b) = t
        .get(
            &t.dv("contososandbox", &q),
            &t.token(ADMIN, "https://contososandbox.crm.dynamics.com"),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let roles = b["value"][0]["systemuserroles_association"]
        .as_array()
        .expect("roles");
    let mut names: Vec<&str> = roles
        .iter()
        .map(|r| r["name"].as_str().expect("n"))
        .collect();
    names.sort();
    assert_eq!(names, ["Work 365 Portal Service", "Work 365 Service"]);
    let (_, who) = t.get(&t.dv("contosoprod", "WhoAmI"), &tok).await;
    let id = who["UserId"].as_str().expect("id");
    let (s, one) = t.get(&t.dv("contosoprod", &format!("systemusers({id})?$select=fullname&$expand=systemuserroles_association($select=name,_roletemplateid_value)")), &tok).await;
    assert_eq!(s, 200);
    assert_eq!(
        one["systemuserroles_association"][0]["_roletemplateid_value"],
        "627090ff-40a3-4053-8790-584edc5be201"
    );
    let (_, nav) = t.get(&t.dv("contosoprod", &format!("systemusers({id})/systemuserroles_association?$select=name,_roletemplateid_value")), &tok).await;
    assert_eq!(nav["value"][0]["name"], "System Administrator");
}

#[tokio::test]
async fn role_holders_are_listed() {
    let t = start("demo");
    let bu = t.root_bu("contosoprod");
    let role = t.role_id("contosoprod", "Work 365 Service", &bu);
    let (s, b) = t.get(&t.dv("contosoprod", &format!("roles({role})/systemuserroles_association?$select=fullname,applicationid,islicensed")), &t.admin_prod()).await;
    assert_eq!(s, 200);
    assert_eq!(b["value"][0]["fullname"], "Work 365 Service Account");
    assert_eq!(b["value"][0]["islicensed"], true);
}

#[tokio::test]
async fn roles_expand_their_holders() {
    let t = start("demo");
    let bu = t.root_bu("contosoprod");
    let q = "roles?$select=roleid,name,_businessunitid_value&$filter=name eq 'Work 365 Service'&$expand=systemuserroles_association($select=systemuserid,fullname,islicensed,applicationid)";
    let (s, b) = t.get(&t.dv("contosoprod", q), &t.admin_prod()).await;
    assert_eq!(s, 200, "{b}");
    let rows = b["value"].as_array().expect("rows");
    let root = rows
        .iter()
        .find(|r| r["_businessunitid_value"] == json!(bu))
        .expect("the root copy");
    let holders = root["systemuserroles_association"]
        .as_array()
        .expect("holders");
    assert_eq!(holders.len(), 1, "{holders:?}");
    assert_eq!(holders[0]["fullname"], "Work 365 Service Account");
    assert_eq!(holders[0]["islicensed"], true);
    assert!(
        holders[0].get("domainname").is_none(),
        "only what was selected"
    );
    // Every other copy is there too, each with its own holders (none here).
    assert!(rows.len() > 1);
    assert!(rows
        .iter()
        .filter(|r| r["_businessunitid_value"] != json!(bu))
        .all(|r| r["systemuserroles_association"] == json!([])));
}

#[tokio::test]
async fn equal_user_id_finds_the_calling_user() {
    let t = start("demo");
    let tok = t.admin_prod();
    let (_, who) = t.get(&t.dv("contosoprod", "WhoAmI"), &tok).await;
    let q = "systemusers?$select=systemuserid&$filter=Microsoft.Dynamics.CRM.EqualUserId(PropertyName='systemuserid')&$expand=systemuserroles_association($select=roleid,name,_roletemplateid_value)";
    let (s, b) = t.get(&t.dv("contosoprod", q), &tok).await;
    assert_eq!(s, 200, "{b}");
    let rows = b["value"].as_array().expect("rows");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["systemuserid"], who["UserId"]);
    assert_eq!(
        rows[0]["systemuserroles_association"][0]["_roletemplateid_value"],
        "627090ff-40a3-4053-8790-584edc5be201"
    );
    // Combined with another condition, and with a property that is not the id.
    let q = "systemusers?$select=systemuserid&$filter=Microsoft.Dynamics.CRM.EqualUserId(PropertyName='azureactivedirectoryobjectid') or isdisabled eq true";
    let (s, b) = t.get(&t.dv("contosoprod", q), &tok).await;
    assert_eq!(s, 200, "{b}");
    assert!(b["value"]
        .as_array()
        .expect("rows")
        .iter()
        .all(|r| r["systemuserid"] != who["UserId"]));
    // Only `PropertyName` names the property, and it must be one of the set's.
    for bad in [
        "Microsoft.Dynamics.CRM.EqualUserId('systemuserid')",
        "Microsoft.Dynamics.CRM.EqualUserId(PropertyName='nope')",
    ] {
        let (s, _) = t
            .get(
                &t.dv("contosoprod", &format!("systemusers?$filter={bad}")),
                &tok,
            )
            .await;
        assert_eq!(s, 400, "{bad}");
    }
}

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

#[tokio::test]
async fn solutions_and_app_modules_are_listed() {
    let t = start("demo");
    let tok = t.admin_prod();
    let (_, b) = t
        .get(
            &t.dv(
                "contosoprod",
                "solutions?$select=uniquename,version&$filter=startswith(uniquename,'Work365')",
            ),
            &tok,
        )
        .await;
    assert_eq!(b["value"][0]["version"], "3.6.2.1");
    let (_, b) = t
        .get(
            &t.dv(
                "contosoprod",
                "appmodules?$select=appmoduleid,name&$filter=uniquename eq 'Work365'",
            ),
            &tok,
        )
        .await;
    assert_eq!(b["value"][0]["name"], "Work 365");
    let dev = t.token(ADMIN, "https://contosodev.crm.dynamics.com");
    let (_, b) = t
        .get(
            &t.dv(
                "contosodev",
                "solutions?$filter=startswith(uniquename,'Work365')",
            ),
            &dev,
        )
        .await;
    assert_eq!(b["value"].as_array().expect("v").len(), 0);
}
