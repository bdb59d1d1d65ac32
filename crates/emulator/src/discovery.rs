//! The Global Discovery Service: `GET /api/discovery/v2.0/Instances`.

use serde_json::{json, Map, Value};

use crate::auth;
use crate::http::{Ctx, Req, Resp};
use crate::odata::{self, error, next_link, ODataError};
use crate::state::Tenant;

const COLUMNS: &[&str] = &[
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
];

pub fn handle(tenant: &Tenant, ctx: &Ctx, req: &Req, path: &str) -> Resp {
    let rest = path.trim_end_matches('/');
    let Some(rest) = rest
        .strip_prefix("/api/discovery/v2.0/")
        .or_else(|| rest.strip_prefix("/api/discovery/v9.2/"))
    else {
        return error(
            404,
            "0x8006088a",
            &format!("Resource not found for the segment '{path}'."),
        );
    };
    if req.method != "GET" || rest != "Instances" {
        return error(
            404,
            "0x8006088a",
            &format!("Resource not found for the segment '{rest}'."),
        );
    }
    let claims = match auth::check(req, &auth::disco_audiences(ctx)) {
        Ok(c) => c,
        Err(p) => {
            return error(401, "Unauthorized", p.message()).header(
                "WWW-Authenticate",
                format!(
                    "Bearer authorization_uri={}/{}/oauth2/authorize, resource_id={}/",
                    ctx.identity_base(),
                    tenant.id,
                    ctx.disco_base()
                ),
            )
        }
    };
    let oid = auth::claim(&claims, "oid");
    let rows: Vec<Map<String, Value>> = tenant
        .environments
        .iter()
        // Each cloud's discovery service lists that cloud's environments only.
        .filter(|env| {
            ctx.prefix_authority.is_some()
                || crate::clouds::Cloud::of_environment_host(&env.host) == Some(ctx.cloud)
        })
        .filter_map(|env| {
            let user = env.system_user_by_oid(oid).filter(|u| !u.isdisabled)?;
            let url = ctx.env_url(env);
            match json!({
                "Id": env.organization_id,
                "EnvironmentId": env.id,
                "UniqueName": env.unique_name,
                "UrlName": env.url_name,
                "FriendlyName": env.friendly_name,
                "Url": url,
                "ApiUrl": url,
                "Region": env.region,
                "State": env.state,
                "Version": env.version,
                "TenantId": tenant.id,
                "IsUserSysAdmin": env.is_sysadmin(user),
                "LastUpdated": env.last_updated,
                "Purpose": env.purpose,
                "OrganizationType": env.organization_type,
                "SchemaType": env.schema_type,
            }) {
                Value::Object(m) => Some(m),
                _ => None,
            }
        })
        .collect();
    let q = match odata::parse_query(&req.params(), COLUMNS, &[]) {
        Ok(q) => q,
        Err(ODataError::Syntax(m)) => return error(400, "0x80060888", &m),
        Err(ODataError::UnknownProperty(p)) => {
            return error(
                400,
                "0x80060888",
                &format!("Could not find a property named '{p}' on type 'Microsoft.Xrm.Sdk.Discovery.Instance'."),
            )
        }
    };
    let max_page = odata::max_page_size(req.header("prefer"));
    // String comparisons in the discovery service are case-sensitive.
    let (page, next) = odata::apply(rows, &q, false, "Id", max_page);
    let base = format!("{}/api/discovery/v2.0", ctx.disco_base());
    let value: Vec<Value> = page
        .iter()
        .map(|r| Value::Object(odata::project(r, q.select.as_ref(), "Id")))
        .collect();
    let ctx_sel = q
        .select
        .as_ref()
        .map(|s| format!("({})", s.join(",")))
        .unwrap_or_default();
    let mut body = json!({
        "@odata.context": format!("{base}/$metadata#Instances{ctx_sel}"),
        "value": value,
    });
    if let Some(skip) = next {
        body["@odata.nextLink"] = json!(next_link(&base, req, skip));
    }
    let mut resp = Resp::json(200, &body)
        .header("Content-Type", "application/json; odata.metadata=minimal")
        .header("OData-Version", "4.0");
    if let Some(m) = max_page {
        resp = resp.header("Preference-Applied", format!("odata.maxpagesize={m}"));
    }
    resp
}
