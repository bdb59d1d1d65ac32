use serde_json::Value;

use crate::common::*;

#[tokio::test]
async fn discovery_lists_environments_with_documented_fields() {
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
    let v = b["value"].as_array().expect("v");
    assert_eq!(v.len(), 5);
    let prod = v
        .iter()
        .find(|e| e["UniqueName"] == "contosoprod")
        .expect("prod");
    for f in [
        "Id",
        "EnvironmentId",
        "UniqueName",
        "UrlName",
        "FriendlyName",
        "Url",
        "ApiUrl",
        "Region",
        "State",
        "Version",
        "TenantId",
        "IsUserSysAdmin",
        "LastUpdated",
        "Purpose",
        "OrganizationType",
        "SchemaType",
    ] {
        assert!(prod.get(f).is_some(), "missing {f}");
    }
    assert_eq!(prod["Url"], PROD);
    assert_eq!(prod["ApiUrl"], PROD);
    assert_eq!(prod["Region"], "NA");
    assert_eq!(prod["State"], 0);
    assert_eq!(prod["IsUserSysAdmin"], true);
}

#[tokio::test]
async fn discovery_filters_on_sysadmin_and_selects() {
    let t = start("not-sysadmin");
    let tok = t.token(ADMIN, DISCO);
    let (_, all) = t
        .get(
            &t.real(
                "globaldisco.crm.dynamics.com",
                "/api/discovery/v2.0/Instances?$select=UniqueName,IsUserSysAdmin",
            ),
            &tok,
        )
        .await;
    assert_eq!(all["value"][0]["IsUserSysAdmin"], false);
    assert!(all["value"][0].get("Url").is_none());
    let (_, f) = t
        .get(
            &t.real(
                "globaldisco.crm.dynamics.com",
                "/api/discovery/v2.0/Instances?$filter=IsUserSysAdmin eq true",
            ),
            &tok,
        )
        .await;
    assert_eq!(f["value"].as_array().expect("v").len(), 0);
}

#[tokio::test]
async fn discovery_string_filters_are_case_sensitive() {
    let t = start("demo");
    let tok = t.token(ADMIN, DISCO);
    let (_, a) = t
        .get(
            &t.local("/disco/api/discovery/v2.0/Instances?$filter=UniqueName eq 'contosoprod'"),
            &tok,
        )
        .await;
    assert_eq!(a["value"].as_array().expect("v").len(), 1);
    let (_, b) = t
        .get(
            &t.local("/disco/api/discovery/v2.0/Instances?$filter=UniqueName eq 'ContosoProd'"),
            &tok,
        )
        .await;
    assert_eq!(b["value"].as_array().expect("v").len(), 0);
}

#[tokio::test]
async fn discovery_pages_200_environments() {
    let t = start("batch-200");
    let tok = t.token(ADMIN, DISCO);
    let mut url = t.local("/disco/api/discovery/v2.0/Instances?$select=UniqueName");
    let mut names = Vec::new();
    loop {
        let r = t
            .http
            .get(&url)
            .bearer_auth(&tok)
            .header("Prefer", "odata.maxpagesize=50")
            .send()
            .await
            .expect("r");
        let b: Value = r.json().await.expect("j");
        names.extend(
            b["value"]
                .as_array()
                .expect("v")
                .iter()
                .map(|e| e["UniqueName"].as_str().expect("n").to_string()),
        );
        match b["@odata.nextLink"].as_str() {
            Some(n) => url = n.to_string(),
            None => break,
        }
    }
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 200);
}

#[tokio::test]
async fn discovery_needs_discovery_audience() {
    let t = start("demo");
    let (s, _) = t
        .get(
            &t.real(
                "globaldisco.crm.dynamics.com",
                "/api/discovery/v2.0/Instances",
            ),
            &t.admin_prod(),
        )
        .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn graph_finds_consented_service_principal() {
    let t = start("demo");
    let tok = t.emu.mint_token(ADMIN, GRAPH, &["Application.Read.All"]);
    let (s, b) = t
        .get(
            &t.real(
                "graph.microsoft.com",
                &format!("/v1.0/servicePrincipals(appId='{US_APP}')"),
            ),
            &tok,
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(b["appId"], US_APP);
    assert_eq!(b["servicePrincipalType"], "Application");
    assert!(
        b["id"].is_string()
            && b["displayName"].is_string()
            && b["appOwnerOrganizationId"].is_string()
    );
    let (s, b) = t
        .get(
            &t.real(
                "graph.microsoft.com",
                &format!("/v1.0/servicePrincipals(appId='{US_APP}')?$select=id,appId"),
            ),
            &tok,
        )
        .await;
    assert_eq!(s, 200);
    assert!(b.get("displayName").is_none());
}

#[tokio::test]
async fn graph_unknown_service_principal_gives_404() {
    let t = start("demo");
    let tok = t.emu.mint_token(ADMIN, GRAPH, &["Application.Read.All"]);
    let (s, b) = t
        .get(
            &t.local(&format!("/graph/v1.0/servicePrincipals(appId='{EU_APP}')")),
            &tok,
        )
        .await;
    assert_eq!(s, 404);
    assert_eq!(b["error"]["code"], "Request_ResourceNotFound");
    assert_eq!(b["error"]["message"], format!("Resource '{EU_APP}' does not exist or one of its queried reference-property objects are not present."));
}

#[tokio::test]
async fn graph_requires_application_read_all() {
    let t = start("demo");
    let tok = t.emu.mint_token(ADMIN, GRAPH, &["User.Read"]);
    let (s, b) = t
        .get(
            &t.real(
                "graph.microsoft.com",
                &format!("/v1.0/servicePrincipals(appId='{US_APP}')"),
            ),
            &tok,
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(b["error"]["code"], "Authorization_RequestDenied");
    let (s, _) = t
        .get(
            &t.real(
                "graph.microsoft.com",
                &format!("/v1.0/servicePrincipals(appId='{US_APP}')"),
            ),
            &t.admin_prod(),
        )
        .await;
    assert_eq!(s, 401);
}
