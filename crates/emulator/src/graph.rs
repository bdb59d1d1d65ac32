//! Microsoft Graph: `GET /v1.0/servicePrincipals(appId='…')`.

use serde_json::{json, Value};

use crate::auth;
use crate::http::{Ctx, Req, Resp};
use crate::ids::new_guid;
use crate::state::Tenant;

fn graph_error(status: u16, code: &str, message: &str) -> Resp {
    Resp::json(
        status,
        &json!({"error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": crate::identity::iso8601(crate::jwt::now()).replace(' ', "T"),
                "request-id": new_guid(),
                "client-request-id": new_guid(),
            }
        }}),
    )
}

const READ_SCOPES: [&str; 4] = [
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];

pub fn handle(tenant: &Tenant, ctx: &Ctx, req: &Req, path: &str) -> Resp {
    let Some(rest) = path
        .strip_prefix("/v1.0/")
        .or_else(|| path.strip_prefix("/beta/"))
    else {
        return graph_error(400, "BadRequest", &format!("Invalid version: {path}"));
    };
    let claims = match auth::check(req, &auth::graph_audiences(ctx)) {
        Ok(c) => c,
        Err(p) => {
            return graph_error(
                401,
                "InvalidAuthenticationToken",
                &format!("Access token validation failure. {}", p.message()),
            )
        }
    };
    let app_id = rest
        .strip_prefix("servicePrincipals(appId='")
        .and_then(|r| r.strip_suffix("')"))
        .or_else(|| {
            rest.strip_prefix("servicePrincipals(appId=%27")
                .and_then(|r| r.strip_suffix("%27)"))
        });
    let Some(app_id) = app_id else {
        return graph_error(
            400,
            "BadRequest",
            &format!("Resource not found for the segment '{rest}'."),
        );
    };
    if req.method != "GET" {
        return graph_error(
            405,
            "Request_BadRequest",
            "Specified HTTP method is not allowed for the request target.",
        );
    }
    let scp = auth::claim(&claims, "scp");
    if !scp.split_whitespace().any(|s| READ_SCOPES.contains(&s)) {
        return graph_error(
            403,
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
        );
    }
    let Some(sp) = tenant.service_principal_by_app_id(app_id) else {
        return graph_error(
            404,
            "Request_ResourceNotFound",
            &format!("Resource '{app_id}' does not exist or one of its queried reference-property objects are not present."),
        );
    };
    let full = json!({
        "@odata.context": format!("{}/v1.0/$metadata#servicePrincipals/$entity", ctx.graph_base()),
        "id": sp.id,
        "appId": sp.app_id,
        "displayName": sp.display_name,
        "appDisplayName": sp.display_name,
        "appOwnerOrganizationId": sp.app_owner_organization_id,
        "servicePrincipalType": "Application",
        "accountEnabled": true,
        "servicePrincipalNames": [sp.app_id],
        "signInAudience": "AzureADMultipleOrgs",
    });
    let body = match req.param("$select") {
        Some(sel) => {
            let mut out = serde_json::Map::new();
            for key in std::iter::once("@odata.context").chain(sel.split(',').map(str::trim)) {
                if let Some(v) = full.get(key) {
                    out.insert(key.to_string(), v.clone());
                }
            }
            Value::Object(out)
        }
        None => full,
    };
    Resp::json(200, &body).header("OData-Version", "4.0")
}
