//! Writes: the application user created, enabled or disabled, its roles associated and
//! removed — with the privilege checks and refusals Dataverse makes.

use serde_json::{Map, Value};

use super::errors::{bad_request, missing_privilege, not_found};
use crate::http::{Req, Resp};
use crate::ids::{is_guid, AppId, BusinessUnitId, SystemUserId};
use crate::odata::error;
use crate::state::{SystemUser, Tenant};

fn parse_body(req: &Req) -> Result<Map<String, Value>, Resp> {
    match serde_json::from_slice::<Value>(&req.body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(bad_request("The request body must be a JSON object.")),
        Err(e) => Err(bad_request(&format!("Invalid JSON in request body: {e}"))),
    }
}

/// The id in the last `{set}(<guid>)` of an `@odata.bind` or `@odata.id` style URL.
pub(super) fn bound_id(s: &str, set: &str) -> Option<String> {
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

pub fn create_user(
    tenant: &mut Tenant,
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
    let tenant_id = tenant.id.clone();
    let tenant_domain = tenant.domain.clone();
    let Some(env) = tenant.environments.get(env_idx) else {
        return error(404, "0x80040217", "Environment not found");
    };
    if !env.has_privilege(caller, "prvCreateUser") {
        return missing_privilege(caller, "prvCreateUser");
    }
    let Some(bu_value) = body.get("businessunitid@odata.bind") else {
        return error(400, "0x80040203", "Expecting business column to be set");
    };
    let Some(bu) = bu_value
        .as_str()
        .and_then(|b| bound_id(b, "businessunits"))
        .and_then(|b| BusinessUnitId::parse(&b))
    else {
        return bad_request("businessunitid@odata.bind must be /businessunits(<id>).");
    };
    if !env.business_units.iter().any(|b| b.id == bu) {
        return error(
            400,
            "0x80040217",
            &format!("businessunit With Id = {bu} Does Not Exist"),
        );
    }
    let app_id = match body
        .get("applicationid")
        .map(|v| v.as_str().and_then(AppId::parse))
    {
        Some(Some(app_id)) => app_id,
        Some(None) => {
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
    let Some(sp) = tenant.service_principal_by_app_id(app_id.as_str()).cloned() else {
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
        .any(|u| u.applicationid.as_ref() == Some(&app_id))
    {
        return error(
            412,
            "0x80040237",
            "A record with matching key values already exists.",
        );
    }
    let id = SystemUserId::random();
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
    if let Some(env) = tenant.environments.get_mut(env_idx) {
        env.system_users.push(new_user);
    }
    Resp::new(204)
        .header("OData-EntityId", format!("{base}/systemusers({id})"))
        .header("OData-Version", "4.0")
}

pub fn update_user(
    tenant: &mut Tenant,
    env_idx: usize,
    caller: &SystemUser,
    req: &Req,
    id: &str,
) -> Resp {
    let body = match parse_body(req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(env) = tenant.environments.get_mut(env_idx) else {
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
            .zip(user.applicationid.as_ref())
            .is_some_and(|(a, b)| b.is(a));
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

pub fn associate(
    tenant: &mut Tenant,
    env_idx: usize,
    caller: &SystemUser,
    user_id: &str,
    role_id: &str,
) -> Resp {
    let Some(env) = tenant.environments.get_mut(env_idx) else {
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

pub fn disassociate(
    tenant: &mut Tenant,
    env_idx: usize,
    caller: &SystemUser,
    user_id: &str,
    role_id: &str,
) -> Resp {
    let Some(env) = tenant.environments.get_mut(env_idx) else {
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
