//! The Dataverse Web API of one environment, under `/api/data/v9.x/`: authentication, then
//! reads (`reads.rs`) and the writes the application-user procedure makes (`writes.rs`).

pub mod batch_format;
pub mod entities;
pub mod errors;
pub mod reads;
pub mod writes;

use serde_json::{json, Value};

use crate::auth::{self, TokenProblem};
use crate::http::{Ctx, Req, Resp};
use crate::ids::is_guid;
use crate::odata::error;
use crate::state::Tenant;
use errors::{bad_request, not_found, ok_json};
use reads::{collection, single};
use writes::{associate, create_user, disassociate, update_user};

/// `name(key)` → (`name`, `Some(key)`); quotes around the key are dropped.
fn split_key(seg: &str) -> Result<(&str, Option<String>), Resp> {
    match seg.find('(') {
        None => Ok((seg, None)),
        Some(i) if seg.ends_with(')') => {
            let key = seg[i + 1..seg.len() - 1].trim_matches('\'');
            if !is_guid(key) {
                return Err(bad_request(&format!(
                    "Bad Request - Error in query syntax. '{key}' is not a valid key."
                )));
            }
            Ok((&seg[..i], Some(key.to_ascii_lowercase())))
        }
        Some(_) => Err(bad_request("Bad Request - Error in query syntax.")),
    }
}

/// Whether environment `env_idx` serves `req` at all, before its path is looked at: not
/// disabled, a valid token for it, and a live, enabled system user behind the token (the
/// caller). A `$batch` is admitted by its own `Authorization`, then each part by the same.
pub fn admit(
    tenant: &Tenant,
    ctx: &Ctx,
    req: &Req,
    env_idx: usize,
) -> Result<crate::state::SystemUser, Resp> {
    let Some(env) = tenant.environments.get(env_idx) else {
        return Err(error(404, "0x80040217", "Environment not found"));
    };
    let env_url = ctx.env_url(env);
    // A disabled environment serves nothing. Code and message are Dataverse's documented
    // OrganizationDisabled; that this is what its Web API answers, and with 503, is our guess.
    if env.is_disabled() {
        return Err(error(
            503,
            "0x8004A104",
            "The Dynamics 365 organization you are attempting to access is currently disabled.  Please contact your system administrator",
        ));
    }

    // Authentication.
    let claims = match auth::check(req, &auth::env_audiences(ctx, env)) {
        Ok(c) => c,
        Err(p) => {
            let msg = match p {
                TokenProblem::Missing => {
                    "HTTP Error 401 - Unauthorized: Access is denied".to_string()
                }
                other => format!("{} ({env_url})", other.message()),
            };
            return Err(error(401, "0x80072560", &msg).header(
                "WWW-Authenticate",
                format!(
                    "Bearer authorization_uri={}/{}/oauth2/authorize, resource_id={env_url}/",
                    ctx.identity_base(),
                    tenant.id
                ),
            ));
        }
    };
    let oid = auth::claim(&claims, "oid").to_string();
    let Some(caller) = env.system_user_by_oid(&oid).cloned() else {
        return Err(error(
            403,
            "0x80072560",
            "The user is not a member of the organization.",
        ));
    };
    if caller.isdisabled {
        return Err(error(
            403,
            "0x8004e00c",
            &format!("The user with SystemUserId={} is disabled. Disabled users cannot access the system.", caller.id),
        ));
    }

    Ok(caller)
}

/// One request to environment `env_idx`'s Web API.
pub fn handle(tenant: &mut Tenant, ctx: &Ctx, req: &Req, env_idx: usize, path: &str) -> Resp {
    let Some(env) = tenant.environments.get(env_idx) else {
        return error(404, "0x80040217", "Environment not found");
    };
    let env_url = ctx.env_url(env);
    let rest = crate::odata::WEB_API_ROOTS
        .iter()
        .find_map(|root| path.strip_prefix(root)?.strip_prefix('/'));
    let Some(rest) = rest else {
        if path == "/" || path.is_empty() {
            return Resp::html(
                200,
                format!(
                    "<!doctype html><title>{0}</title><h1>{0}</h1>",
                    env.friendly_name
                ),
            );
        }
        return error(
            404,
            "0x8006088a",
            &format!("Resource not found for the segment '{path}'."),
        );
    };
    let rest = rest.to_string();

    let caller = match admit(tenant, ctx, req, env_idx) {
        Ok(caller) => caller,
        Err(refused) => return refused,
    };

    let base = format!("{env_url}/api/data/v9.2");
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let first = match segs.first() {
        Some(f) => match split_key(f) {
            Ok(x) => x,
            Err(r) => return r,
        },
        None => {
            return ok_json(&json!({"@odata.context": format!("{base}/$metadata"), "value": []}))
        }
    };
    match (req.method.as_str(), first, &segs[1..]) {
        ("GET", ("WhoAmI", None), []) => ok_json(&json!({
            "@odata.context": format!("{base}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse"),
            "BusinessUnitId": caller.business_unit,
            "UserId": caller.id,
            "OrganizationId": env.organization_id,
        })),
        ("GET", (name, None), []) => match entities::set(name) {
            Some(set) => collection(
                env,
                req,
                &base,
                set,
                entities::rows(env, name),
                name,
                &caller,
            ),
            None => error(
                404,
                "0x8006088a",
                &format!("Resource not found for the segment '{name}'."),
            ),
        },
        ("GET", (name, Some(id)), []) => match entities::set(name) {
            Some(set) => single(env, req, &base, set, &id),
            None => error(
                404,
                "0x8006088a",
                &format!("Resource not found for the segment '{name}'."),
            ),
        },
        ("GET", ("systemusers", Some(id)), ["systemuserroles_association"]) => {
            let Some(u) = env.system_user(&id) else {
                return not_found("systemuser", &id);
            };
            let rows = env.roles_of(u).map(entities::role_row).collect();
            let set = entities::set("roles").expect("roles is a known set");
            collection(env, req, &base, set, rows, "roles", &caller)
        }
        ("GET", ("roles", Some(id)), ["systemuserroles_association"]) => {
            if env.role(&id).is_none() {
                return not_found("role", &id);
            }
            let rows = env
                .system_users
                .iter()
                .filter(|u| u.roles.iter().any(|r| r.is(&id)))
                .map(entities::systemuser_row)
                .collect();
            let set = entities::set("systemusers").expect("systemusers is a known set");
            collection(env, req, &base, set, rows, "systemusers", &caller)
        }
        ("POST", ("systemusers", None), []) => create_user(tenant, env_idx, &caller, req, &base),
        ("PATCH", ("systemusers", Some(id)), []) => update_user(tenant, env_idx, &caller, req, &id),
        ("POST", ("systemusers", Some(id)), ["systemuserroles_association", "$ref"]) => {
            let body: Value = match serde_json::from_slice(&req.body) {
                Ok(v) => v,
                Err(e) => return bad_request(&format!("Invalid JSON in request body: {e}")),
            };
            let Some(role_id) = body
                .get("@odata.id")
                .and_then(Value::as_str)
                .and_then(|t| writes::bound_id(t, "roles"))
            else {
                return bad_request(
                    "The request body must carry \"@odata.id\": \".../roles(<id>)\".",
                );
            };
            associate(tenant, env_idx, &caller, &id, &role_id)
        }
        ("DELETE", ("systemusers", Some(id)), ["systemuserroles_association", "$ref"]) => {
            let Some(role_id) = req
                .param("$id")
                .as_deref()
                .and_then(|t| writes::bound_id(t, "roles"))
            else {
                return bad_request("The $id query option must name .../roles(<id>).");
            };
            disassociate(tenant, env_idx, &caller, &id, &role_id)
        }
        ("DELETE", ("systemusers", Some(id)), [nav, "$ref"]) => match split_key(nav) {
            Ok(("systemuserroles_association", Some(role_id))) => {
                disassociate(tenant, env_idx, &caller, &id, &role_id)
            }
            Ok(_) => bad_request("Unsupported navigation property."),
            Err(r) => r,
        },
        // A `$batch` itself is carried out by `routing::batch`; here only as a part of one.
        ("POST", ("$batch", None), []) => {
            bad_request("Batch requests can't contain other batch requests.")
        }
        (m, (name, _), _) if entities::set(name).is_some() || name == "WhoAmI" => error(
            405,
            "0x80060888",
            &format!("The HTTP method '{m}' is not allowed for this resource."),
        ),
        (_, (name, _), _) => error(
            404,
            "0x8006088a",
            &format!("Resource not found for the segment '{name}'."),
        ),
    }
}
