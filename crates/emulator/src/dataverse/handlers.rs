//! Dataverse request handlers: authentication, reads, and the writes the
//! application-user procedure makes.

use serde_json::{json, Map, Value};

use super::entities::{self, EntitySet};
use super::odata::{self, ODataError};
use crate::auth::{self, TokenProblem};
use crate::http::{Ctx, Req, Resp};
use crate::ids::{det_guid, is_guid, new_guid};
use crate::server::Shared;
use crate::state::{Environment, SystemUser};

/// A Dataverse-shaped error.
pub fn error(status: u16, code: &str, message: &str) -> Resp {
    Resp::json(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
    .header("OData-Version", "4.0")
}

fn bad_request(message: &str) -> Resp {
    error(400, "0x80060888", message)
}

fn odata_error(e: ODataError, type_name: &str) -> Resp {
    match e {
        ODataError::Syntax(m) => bad_request(&m),
        ODataError::UnknownProperty(p) => bad_request(&format!(
            "Could not find a property named '{p}' on type 'Microsoft.Dynamics.CRM.{type_name}'."
        )),
    }
}

fn not_found(entity: &str, id: &str) -> Resp {
    error(
        404,
        "0x80040217",
        &format!("{entity} With Id = {id} Does Not Exist"),
    )
}

fn ok_json(v: &Value) -> Resp {
    Resp::json(200, v)
        .header("Content-Type", "application/json; odata.metadata=minimal")
        .header("OData-Version", "4.0")
}

fn missing_privilege(caller: &SystemUser, privilege: &str) -> Resp {
    error(
        403,
        "0x80040220",
        &format!(
            "Principal user (Id={}, type=8, roleCount={}) is missing {privilege} privilege (Id={}) on OTC=8 for entity 'systemuser'.",
            caller.id,
            caller.roles.len(),
            det_guid(&format!("privilege/{privilege}"))
        ),
    )
}

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

/// Finds `roles(<guid>)` at the end of an `@odata.id` style URL.
fn role_ref(text: &str) -> Option<String> {
    let i = text.rfind("roles(")?;
    let rest = &text[i + 6..];
    let end = rest.find(')')?;
    let id = rest[..end].trim_matches('\'');
    is_guid(id).then(|| id.to_ascii_lowercase())
}

pub fn handle(sh: &mut Shared, ctx: &Ctx, req: &Req, env_idx: usize, path: &str) -> Resp {
    let Some(env) = sh.tenant.environments.get(env_idx) else {
        return error(404, "0x80040217", "Environment not found");
    };
    let env_url = ctx.env_url(env);
    let rest = ["/api/data/v9.2/", "/api/data/v9.1/", "/api/data/v9.0/"]
        .iter()
        .find_map(|p| path.strip_prefix(p));
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

    // A disabled environment serves nothing. Code and message are Dataverse's documented
    // OrganizationDisabled; that this is what its Web API answers, and with 503, is our guess.
    if env.is_disabled() {
        return error(
            503,
            "0x8004A104",
            "The Dynamics 365 organization you are attempting to access is currently disabled.  Please contact your system administrator",
        );
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
            return error(401, "0x80072560", &msg).header(
                "WWW-Authenticate",
                format!(
                    "Bearer authorization_uri={}/{}/oauth2/authorize, resource_id={env_url}/",
                    ctx.identity_base(),
                    sh.tenant.id
                ),
            );
        }
    };
    let oid = auth::claim(&claims, "oid").to_string();
    let Some(caller) = env.system_user_by_oid(&oid).cloned() else {
        return error(
            403,
            "0x80072560",
            "The user is not a member of the organization.",
        );
    };
    if caller.isdisabled {
        return error(
            403,
            "0x8004e00c",
            &format!("The user with SystemUserId={} is disabled. Disabled users cannot access the system.", caller.id),
        );
    }

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
            Some(set) => collection(env, req, &base, set, entities::rows(env, name), name),
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
            collection(env, req, &base, set, rows, "roles")
        }
        ("GET", ("roles", Some(id)), ["systemuserroles_association"]) => {
            if env.role(&id).is_none() {
                return not_found("role", &id);
            }
            let rows = env
                .system_users
                .iter()
                .filter(|u| u.roles.iter().any(|r| r == &id))
                .map(entities::systemuser_row)
                .collect();
            let set = entities::set("systemusers").expect("systemusers is a known set");
            collection(env, req, &base, set, rows, "systemusers")
        }
        ("POST", ("systemusers", None), []) => create_user(sh, env_idx, &caller, req, &base),
        ("PATCH", ("systemusers", Some(id)), []) => update_user(sh, env_idx, &caller, req, &id),
        ("POST", ("systemusers", Some(id)), ["systemuserroles_association", "$ref"]) => {
            let body: Value = match serde_json::from_slice(&req.body) {
                Ok(v) => v,
                Err(e) => return bad_request(&format!("Invalid JSON in request body: {e}")),
            };
            let Some(role_id) = body
                .get("@odata.id")
                .and_then(Value::as_str)
                .and_then(role_ref)
            else {
                return bad_request(
                    "The request body must carry \"@odata.id\": \".../roles(<id>)\".",
                );
            };
            associate(sh, env_idx, &caller, &id, &role_id)
        }
        ("DELETE", ("systemusers", Some(id)), ["systemuserroles_association", "$ref"]) => {
            let Some(role_id) = req.param("$id").as_deref().and_then(role_ref) else {
                return bad_request("The $id query option must name .../roles(<id>).");
            };
            disassociate(sh, env_idx, &caller, &id, &role_id)
        }
        ("DELETE", ("systemusers", Some(id)), [nav, "$ref"]) => match split_key(nav) {
            Ok(("systemuserroles_association", Some(role_id))) => {
                disassociate(sh, env_idx, &caller, &id, &role_id)
            }
            Ok(_) => bad_request("Unsupported navigation property."),
            Err(r) => r,
        },
        ("POST", ("$batch", None), []) => error(501, "0x80060888", "$batch is not emulated."),
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

fn expand_roles(env: &Environment, row: &mut Map<String, Value>, q: &odata::Query) {
    let Some(uid) = row
        .get("systemuserid")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    for ex in &q.expand {
        let held: Vec<Value> = env
            .system_user(&uid)
            .map(|u| {
                env.roles_of(u)
                    .map(entities::role_row)
                    .filter(|r| {
                        ex.filter
                            .as_ref()
                            .is_none_or(|f| odata::eval(f, r, true) == odata::Val::Bool(true))
                    })
                    .map(|r| Value::Object(odata::project(&r, ex.select.as_ref(), "roleid")))
                    .collect()
            })
            .unwrap_or_default();
        row.insert(ex.name.clone(), Value::Array(held));
    }
}

fn navs_for(set: &EntitySet) -> Vec<(&'static str, &'static [&'static str])> {
    if set.name == "systemusers" {
        vec![("systemuserroles_association", entities::ROLE_COLUMNS)]
    } else {
        Vec::new()
    }
}

fn context_url(base: &str, set_path: &str, q: &odata::Query, entity: bool) -> String {
    let mut s = format!("{base}/$metadata#{set_path}");
    if let Some(sel) = &q.select {
        let mut cols = sel.clone();
        for ex in &q.expand {
            cols.push(match &ex.select {
                Some(es) => format!("{}({})", ex.name, es.join(",")),
                None => format!("{}()", ex.name),
            });
        }
        s.push_str(&format!("({})", cols.join(",")));
    }
    if entity {
        s.push_str("/$entity");
    }
    s
}

fn collection(
    env: &Environment,
    req: &Req,
    base: &str,
    set: &EntitySet,
    rows: Vec<Map<String, Value>>,
    set_path: &str,
) -> Resp {
    let params = req.params();
    let q = match odata::parse_query(&params, set.columns, &navs_for(set)) {
        Ok(q) => q,
        Err(e) => return odata_error(e, set.type_name),
    };
    let max_page = odata::max_page_size(req.header("prefer"));
    let (page, next) = odata::apply(rows, &q, true, set.key, max_page);
    let value: Vec<Value> = page
        .into_iter()
        .map(|mut r| {
            if set.name == "systemusers" {
                expand_roles(env, &mut r, &q);
            }
            let mut out = odata::project(&r, q.select.as_ref(), set.key);
            for ex in &q.expand {
                if let Some(v) = r.get(&ex.name) {
                    out.insert(ex.name.clone(), v.clone());
                }
            }
            Value::Object(out)
        })
        .collect();
    let mut body = json!({
        "@odata.context": context_url(base, set_path, &q, false),
        "value": value,
    });
    if let Some(skip) = next {
        body["@odata.nextLink"] = json!(next_link(base, req, skip));
    }
    let mut resp = ok_json(&body);
    if let Some(m) = max_page {
        resp = resp.header("Preference-Applied", format!("odata.maxpagesize={m}"));
    }
    resp
}

/// The request's own URL with `$skiptoken` set to `skip`.
pub fn next_link(base: &str, req: &Req, skip: usize) -> String {
    let rel = [
        "/api/data/v9.2/",
        "/api/data/v9.1/",
        "/api/data/v9.0/",
        "/api/discovery/v2.0/",
    ]
    .iter()
    .find_map(|p| req.path.find(p).map(|i| &req.path[i + p.len()..]))
    .unwrap_or_default();
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in req.params().into_iter().filter(|(k, _)| k != "$skiptoken") {
        ser.append_pair(&k, &v);
    }
    ser.append_pair("$skiptoken", &skip.to_string());
    format!("{base}/{rel}?{}", ser.finish())
}

fn single(env: &Environment, req: &Req, base: &str, set: &EntitySet, id: &str) -> Resp {
    let params = req.params();
    let q = match odata::parse_query(&params, set.columns, &navs_for(set)) {
        Ok(q) => q,
        Err(e) => return odata_error(e, set.type_name),
    };
    let Some(mut row) = entities::rows(env, set.name).into_iter().find(|r| {
        r.get(set.key)
            .and_then(Value::as_str)
            .is_some_and(|k| k.eq_ignore_ascii_case(id))
    }) else {
        return not_found(set.type_name, id);
    };
    if set.name == "systemusers" {
        expand_roles(env, &mut row, &q);
    }
    let mut out = odata::project(&row, q.select.as_ref(), set.key);
    for ex in &q.expand {
        if let Some(v) = row.get(&ex.name) {
            out.insert(ex.name.clone(), v.clone());
        }
    }
    out.insert(
        "@odata.context".into(),
        json!(context_url(base, set.name, &q, true)),
    );
    ok_json(&Value::Object(out))
}

fn parse_body(req: &Req) -> Result<Map<String, Value>, Resp> {
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(bad_request("The request body must be a JSON object.")),
        Err(e) => Err(bad_request(&format!("Invalid JSON in request body: {e}"))),
    }
}

fn bound_id(v: &Value, set: &str) -> Option<String> {
    let s = v.as_str()?;
    let i = s.rfind(&format!("{set}("))?;
    let rest = &s[i + set.len() + 1..];
    let id = rest[..rest.find(')')?].trim_matches('\'');
    is_guid(id).then(|| id.to_ascii_lowercase())
}

const CREATE_FIELDS: &[&str] = &[
    "applicationid",
    "accessmode",
    "isdisabled",
    "businessunitid@odata.bind",
    "fullname",
    "firstname",
    "lastname",
    "internalemailaddress",
    "domainname",
];

fn create_user(
    sh: &mut Shared,
    env_idx: usize,
    caller: &SystemUser,
    req: &Req,
    base: &str,
) -> Resp {
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    if let Some(k) = body.keys().find(|k| !CREATE_FIELDS.contains(&k.as_str())) {
        return bad_request(&format!(
            "An undeclared property '{k}' which only has property annotations in the payload but no property value was found in the payload. Or the property does not exist on type 'Microsoft.Dynamics.CRM.systemuser'."
        ));
    }
    let tenant_id = sh.tenant.id.clone();
    let tenant_domain = sh.tenant.domain.clone();
    let Some(env) = sh.tenant.environments.get(env_idx) else {
        return error(404, "0x80040217", "Environment not found");
    };
    if !env.has_privilege(caller, "prvCreateUser") {
        return missing_privilege(caller, "prvCreateUser");
    }
    let Some(bu_value) = body.get("businessunitid@odata.bind") else {
        return error(400, "0x80040203", "Expecting business column to be set");
    };
    let Some(bu) = bound_id(bu_value, "businessunits") else {
        return bad_request("businessunitid@odata.bind must be /businessunits(<id>).");
    };
    if !env.business_units.iter().any(|b| b.id == bu) {
        return error(
            400,
            "0x80040217",
            &format!("businessunit With Id = {bu} Does Not Exist"),
        );
    }
    let app_id = match body.get("applicationid") {
        Some(Value::String(a)) if is_guid(a) => a.to_ascii_lowercase(),
        Some(_) => {
            return bad_request(
                "Cannot convert the literal to the expected type 'Edm.Guid' for applicationid.",
            )
        }
        None => {
            return error(
                400,
                "0x80040203",
                "The emulator only creates application users: applicationid is required.",
            )
        }
    };
    let accessmode = body.get("accessmode").and_then(Value::as_i64).unwrap_or(4);
    let isdisabled = body
        .get("isdisabled")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let Some(sp) = sh.tenant.service_principal_by_app_id(&app_id).cloned() else {
        // Unconfirmed: Microsoft's exact code and wording are unknown (see SCENARIOS.md).
        return error(
            400,
            "0x80040203",
            &format!("The application with id {app_id} was not found in the directory of tenant {tenant_id}. Ask a tenant administrator to consent to the application first."),
        );
    };
    if env
        .system_users
        .iter()
        .any(|u| u.applicationid.as_deref() == Some(app_id.as_str()))
    {
        return error(
            412,
            "0x80040237",
            "A record with matching key values already exists.",
        );
    }
    let id = new_guid();
    let url_name = env.url_name.clone();
    let new_user = SystemUser {
        id: id.clone(),
        fullname: body
            .get("fullname")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("# {}", sp.display_name)),
        domainname: Some(format!("{app_id}@{tenant_domain}")),
        internalemailaddress: Some(format!("{app_id}@{url_name}.onmicrosoft.com")),
        azureactivedirectoryobjectid: Some(sp.id.clone()),
        applicationid: Some(app_id),
        accessmode,
        islicensed: false,
        isdisabled,
        deletedstate: 0,
        business_unit: bu,
        roles: Vec::new(),
    };
    if let Some(env) = sh.tenant.environments.get_mut(env_idx) {
        env.system_users.push(new_user);
    }
    Resp::new(204)
        .header("OData-EntityId", format!("{base}/systemusers({id})"))
        .header("OData-Version", "4.0")
}

fn update_user(sh: &mut Shared, env_idx: usize, caller: &SystemUser, req: &Req, id: &str) -> Resp {
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(env) = sh.tenant.environments.get_mut(env_idx) else {
        return error(404, "0x80040217", "Environment not found");
    };
    if !env.has_privilege(caller, "prvWriteUser") {
        return missing_privilege(caller, "prvWriteUser");
    }
    let Some(user) = env.system_users.iter_mut().find(|u| u.id == id) else {
        return not_found("systemuser", id);
    };
    // Microsoft's provider sends the user's own applicationid along (`tf: …/api_application.go`);
    // changing it is refused (the wording is ours).
    if let Some(app) = body.get("applicationid") {
        let same = app
            .as_str()
            .zip(user.applicationid.as_deref())
            .is_some_and(|(a, b)| a.eq_ignore_ascii_case(b));
        if !same {
            return bad_request("applicationid cannot be changed.");
        }
    }
    for (k, v) in &body {
        match (k.as_str(), v) {
            ("applicationid", _) => {}
            ("isdisabled", Value::Bool(b)) => user.isdisabled = *b,
            ("fullname", Value::String(s)) => user.fullname = s.clone(),
            ("accessmode", Value::Number(n)) => user.accessmode = n.as_i64().unwrap_or(user.accessmode),
            ("isdisabled" | "fullname" | "accessmode", _) => {
                return bad_request(&format!("Invalid value for property '{k}'."))
            }
            _ => {
                return bad_request(&format!(
                    "The property '{k}' does not exist on type 'Microsoft.Dynamics.CRM.systemuser' or cannot be updated by the emulator."
                ))
            }
        }
    }
    Resp::new(204).header("OData-Version", "4.0")
}

fn associate(
    sh: &mut Shared,
    env_idx: usize,
    caller: &SystemUser,
    user_id: &str,
    role_id: &str,
) -> Resp {
    let Some(env) = sh.tenant.environments.get_mut(env_idx) else {
        return error(404, "0x80040217", "Environment not found");
    };
    if !env.has_privilege(caller, "prvAssignRole") {
        return missing_privilege(caller, "prvAssignRole");
    }
    let Some(role) = env.role(role_id).cloned() else {
        return not_found("role", role_id);
    };
    let Some(user) = env.system_user(user_id).cloned() else {
        return not_found("systemuser", user_id);
    };
    // pp: admin/assign-security-roles.md: "a security role can only be assigned to users whose
    // accounts are enabled", unless allowRoleAssignmentOnDisabledUsers is on. The status, code
    // (Dataverse's documented UserNotEnabled) and message of the refusal are our guess.
    if user.isdisabled && !env.allow_role_assignment_on_disabled_users {
        return error(
            403,
            "0x80040225",
            &format!(
                "The specified user(Id = {}) is disabled. Consider enabling this user. Additional Details: a security role can only be assigned to an enabled user.",
                user.id
            ),
        );
    }
    if role.business_unit != user.business_unit {
        // Unconfirmed wording and code (see SCENARIOS.md).
        return error(
            400,
            "0x80040203",
            &format!(
                "The role {} (Id={}) belongs to business unit {}, but the user {} is in business unit {}. A role can only be assigned to a user of the same business unit.",
                role.name, role.id, role.business_unit, user.id, user.business_unit
            ),
        );
    }
    if !env.is_sysadmin(caller) {
        if role.is_sysadmin() || role.privileges.iter().any(|p| p == "*") {
            return missing_privilege(caller, "prvAssignRole");
        }
        if let Some(p) = role
            .privileges
            .iter()
            .find(|p| !env.has_privilege(caller, p))
        {
            return missing_privilege(caller, p);
        }
    }
    if let Some(u) = env.system_users.iter_mut().find(|u| u.id == user.id) {
        if !u.roles.iter().any(|r| r == &role.id) {
            u.roles.push(role.id.clone());
        }
    }
    Resp::new(204).header("OData-Version", "4.0")
}

fn disassociate(
    sh: &mut Shared,
    env_idx: usize,
    caller: &SystemUser,
    user_id: &str,
    role_id: &str,
) -> Resp {
    let Some(env) = sh.tenant.environments.get_mut(env_idx) else {
        return error(404, "0x80040217", "Environment not found");
    };
    if !env.has_privilege(caller, "prvAssignRole") {
        return missing_privilege(caller, "prvAssignRole");
    }
    let Some(u) = env.system_users.iter_mut().find(|u| u.id == user_id) else {
        return not_found("systemuser", user_id);
    };
    u.roles.retain(|r| r != role_id);
    Resp::new(204).header("OData-Version", "4.0")
}
