//! Dataverse's reads: `$filter` (refused on unknown properties and bad syntax, `EqualUserId`),
//! `$select`, `$expand`, `$orderby`, `$top`, paging, roles per business unit and their holders,
//! solutions and app modules.

use serde_json::{json, Value};

use crate::common::*;

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
