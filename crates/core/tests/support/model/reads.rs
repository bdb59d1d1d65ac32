//! The model's reads: every `GET` the procedure sends, answered from the model's state.

use super::{guid, Model, APP_MODULE, CALLER, ROOT_BU};
use serde_json::json;
use w365_core::http::HttpResponse;

impl Model {
    pub(super) fn get(&self, path: &str) -> HttpResponse {
        if path == "WhoAmI" {
            return HttpResponse::json(
                200,
                &json!({"UserId": CALLER, "BusinessUnitId": ROOT_BU, "OrganizationId": guid(0x0e01)}),
            );
        }
        if path.starts_with("businessunits?") {
            return Self::page(
                self.root_bus
                    .iter()
                    .map(|b| json!({"businessunitid": b, "name": "contoso"}))
                    .collect(),
            );
        }
        if let Some(q) = path.strip_prefix("roles?") {
            let names = quoted_literals(q);
            // `$expand=systemuserroles_association(...)`: each role with its holders.
            let holders = q.contains("$expand=systemuserroles_association");
            return Self::page(
                self.roles
                    .iter()
                    .filter(|r| names.contains(&r.name))
                    .map(|r| {
                        let mut role = self.role_json(&r.id);
                        if holders {
                            role["systemuserroles_association"] = self
                                .users
                                .iter()
                                .filter(|u| u.roles.contains(&r.id))
                                .map(|u| self.user_json(u))
                                .collect();
                        }
                        role
                    })
                    .collect(),
            );
        }
        if path.starts_with("systemusers?")
            && path.contains("EqualUserId(PropertyName='systemuserid')")
        {
            return Self::page(vec![json!({
                "systemuserid": CALLER,
                "systemuserroles_association": self.caller_roles_json(),
            })]);
        }
        if let Some(q) = path.strip_prefix("systemusers?") {
            let apps: Vec<String> = q
                .split("applicationid eq ")
                .skip(1)
                .map(|s| s.chars().take(36).collect())
                .collect();
            return Self::page(
                self.users
                    .iter()
                    .filter(|u| u.app_id.as_ref().is_some_and(|a| apps.contains(a)))
                    .map(|u| self.user_json(u))
                    .collect(),
            );
        }
        if path.starts_with(&format!(
            "systemusers({CALLER})/systemuserroles_association"
        )) {
            return Self::page(self.caller_roles_json());
        }
        if path.contains("RetrieveUserPrivilegeByPrivilegeName") {
            return HttpResponse::json(200, &json!({"RolePrivileges": []}));
        }
        if let Some(rest) = path.strip_prefix("roles(") {
            let role: String = rest.chars().take(36).collect();
            return Self::page(
                self.users
                    .iter()
                    .filter(|u| u.roles.contains(&role))
                    .map(|u| self.user_json(u))
                    .collect(),
            );
        }
        if path.starts_with("solutions?") {
            let (unique, friendly) = &self.solution_names;
            return Self::page(
                self.solution_version
                    .iter()
                    .map(|v| json!({"uniquename": unique, "friendlyname": friendly, "version": v}))
                    .collect(),
            );
        }
        if path.starts_with("appmodules?") {
            return Self::page(vec![
                json!({"appmoduleid": APP_MODULE, "uniquename": "Work365", "name": "Work 365"}),
            ]);
        }
        Self::error(404, "0x80040217", "not found")
    }
}

/// The `'...'` literals of an OData expression, with `''` unescaped.
fn quoted_literals(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = q.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut lit = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    lit.push('\'');
                } else {
                    break;
                }
            } else {
                lit.push(c);
            }
        }
        out.push(lit);
    }
    out
}
