//! A small in-memory Dataverse + Graph that answers exactly the requests the procedure sends,
//! and audits every write so tests can check the safety rules.

use serde_json::{json, Value};
use w365_core::http::{HttpRequest, HttpResponse, Method};
use w365_core::preset::{
    SYSTEM_ADMINISTRATOR_TEMPLATE_ID, WORK365_PORTAL_ROLE, WORK365_SERVICE_ROLE,
};

pub const ORIGIN: &str = "https://contoso.crm.dynamics.com";
/// The public cloud's Microsoft Graph, from the core's cloud table.
pub fn graph() -> String {
    w365_core::cloud::Cloud::Public.endpoints().graph
}
pub const ROOT_BU: &str = "00000000-0000-0000-0000-00000000b001";
pub const CHILD_BU: &str = "00000000-0000-0000-0000-00000000b002";
pub const CALLER: &str = "00000000-0000-0000-0000-00000000c001";
pub const SERVICE_ROLE: &str = "00000000-0000-0000-0000-00000000a001";
pub const PORTAL_ROLE: &str = "00000000-0000-0000-0000-00000000a002";
pub const OTHER_ROLE: &str = "00000000-0000-0000-0000-00000000a003";
pub const SYSADMIN_ROLE: &str = "00000000-0000-0000-0000-00000000a004";
pub const APP_MODULE: &str = "00000000-0000-0000-0000-00000000d001";

#[derive(Debug, Clone)]
pub struct ModelRole {
    pub id: String,
    pub name: String,
    pub bu: String,
}

#[derive(Debug, Clone)]
pub struct ModelUser {
    pub id: String,
    pub app_id: Option<String>,
    pub disabled: bool,
    pub deletedstate: i64,
    pub bu: String,
    pub roles: Vec<String>,
    pub fullname: String,
    pub islicensed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteAudit {
    pub method: Method,
    pub user: Option<String>,
    pub app_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub roles: Vec<ModelRole>,
    pub users: Vec<ModelUser>,
    pub root_bus: Vec<String>,
    pub consented: Vec<String>,
    pub solution_version: Option<String>,
    /// Unique and display name of the product's solution.
    pub solution_names: (String, String),
    pub caller_sysadmin: bool,
    /// The environment setting `allowRoleAssignmentOnDisabledUsers`.
    pub roles_on_disabled_users: bool,
    /// Role associations refused because the user was disabled.
    pub refused_disabled: u32,
    pub audit: Vec<WriteAudit>,
    pub removed: Vec<(String, String)>,
    next_id: u32,
}

pub fn guid(n: u32) -> String {
    format!("00000000-0000-0000-0000-{n:012x}")
}

impl Model {
    /// A healthy environment with Work 365 3.6 and no application user yet.
    pub fn fresh(app: &str) -> Model {
        Model {
            roles: vec![
                ModelRole {
                    id: SERVICE_ROLE.into(),
                    name: WORK365_SERVICE_ROLE.into(),
                    bu: ROOT_BU.into(),
                },
                ModelRole {
                    id: PORTAL_ROLE.into(),
                    name: WORK365_PORTAL_ROLE.into(),
                    bu: ROOT_BU.into(),
                },
                ModelRole {
                    id: guid(0xa101),
                    name: WORK365_SERVICE_ROLE.into(),
                    bu: CHILD_BU.into(),
                },
                ModelRole {
                    id: OTHER_ROLE.into(),
                    name: "Basic User".into(),
                    bu: ROOT_BU.into(),
                },
                ModelRole {
                    id: SYSADMIN_ROLE.into(),
                    name: "System Administrator".into(),
                    bu: ROOT_BU.into(),
                },
            ],
            users: vec![
                ModelUser {
                    id: CALLER.into(),
                    app_id: None,
                    disabled: false,
                    deletedstate: 0,
                    bu: ROOT_BU.into(),
                    roles: vec![SYSADMIN_ROLE.into()],
                    fullname: "Admin".into(),
                    islicensed: true,
                },
                ModelUser {
                    id: guid(0xc002),
                    app_id: None,
                    disabled: false,
                    deletedstate: 0,
                    bu: ROOT_BU.into(),
                    roles: vec![SERVICE_ROLE.into()],
                    fullname: "Work 365 Service Account".into(),
                    islicensed: true,
                },
            ],
            root_bus: vec![ROOT_BU.into()],
            consented: vec![app.into()],
            solution_version: Some("3.6.1.0".into()),
            solution_names: ("Work365Core".into(), "Work 365".into()),
            caller_sysadmin: true,
            roles_on_disabled_users: false,
            refused_disabled: 0,
            audit: Vec::new(),
            removed: Vec::new(),
            next_id: 0xe000,
        }
    }

    pub fn add_app_user(&mut self, app: &str, disabled: bool, roles: &[&str]) -> String {
        self.next_id += 1;
        let id = guid(self.next_id);
        self.users.push(ModelUser {
            id: id.clone(),
            app_id: Some(app.into()),
            disabled,
            deletedstate: 0,
            bu: ROOT_BU.into(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            fullname: "# Work 365".into(),
            islicensed: false,
        });
        id
    }

    pub fn app_users(&self, app: &str) -> Vec<&ModelUser> {
        self.users
            .iter()
            .filter(|u| u.app_id.as_deref() == Some(app))
            .collect()
    }

    /// Whether the app's user exists once, live, enabled, in the root BU, with both roles.
    pub fn is_configured(&self, app: &str) -> bool {
        match self.app_users(app).as_slice() {
            [u] => {
                u.deletedstate == 0
                    && !u.disabled
                    && u.bu == ROOT_BU
                    && u.roles.contains(&SERVICE_ROLE.to_owned())
                    && u.roles.contains(&PORTAL_ROLE.to_owned())
            }
            _ => false,
        }
    }

    fn role_json(&self, id: &str) -> Value {
        let r = self.roles.iter().find(|r| r.id == id);
        json!({
            "roleid": id,
            "name": r.map(|r| r.name.clone()),
            "_businessunitid_value": r.map(|r| r.bu.clone()),
        })
    }

    fn user_json(&self, u: &ModelUser) -> Value {
        json!({
            "systemuserid": u.id,
            "fullname": u.fullname,
            "applicationid": u.app_id,
            "isdisabled": u.disabled,
            "deletedstate": u.deletedstate,
            "_businessunitid_value": u.bu,
            "islicensed": u.islicensed,
            "domainname": format!("{}@contoso.onmicrosoft.com", u.id),
            "systemuserroles_association": u.roles.iter().map(|r| self.role_json(r)).collect::<Vec<_>>(),
        })
    }

    fn caller_roles_json(&self) -> Vec<Value> {
        if self.caller_sysadmin {
            vec![
                json!({"roleid": SYSADMIN_ROLE, "name": "System Administrator", "_roletemplateid_value": SYSTEM_ADMINISTRATOR_TEMPLATE_ID}),
            ]
        } else {
            vec![json!({"roleid": OTHER_ROLE, "name": "Basic User", "_roletemplateid_value": null})]
        }
    }

    fn page(values: Vec<Value>) -> HttpResponse {
        HttpResponse::json(200, &json!({ "value": values }))
    }

    fn error(status: u16, code: &str, message: &str) -> HttpResponse {
        HttpResponse::json(
            status,
            &json!({"error": {"code": code, "message": message}}),
        )
    }

    /// Answers one request as Dataverse or Graph would.
    pub fn handle(&mut self, req: &HttpRequest) -> HttpResponse {
        let url = percent_decode(&req.url);
        if let Some(rest) = url.strip_prefix(&format!("{}/v1.0/servicePrincipals(appId='", graph()))
        {
            let app = rest.split('\'').next().unwrap_or_default();
            return if self.consented.iter().any(|c| c == app) {
                HttpResponse::json(
                    200,
                    &json!({"id": guid(0xf001), "appId": app, "displayName": "Work 365"}),
                )
            } else {
                Self::error(404, "Request_ResourceNotFound", "not found")
            };
        }
        let Some(path) = url.strip_prefix(&format!("{ORIGIN}/api/data/v9.2/")) else {
            return Self::error(404, "0x80040217", "unknown host or path");
        };
        let path = path.to_owned();
        match req.method {
            Method::Get => self.get(&path),
            Method::Post if path == "systemusers" => self.create(req),
            Method::Post if path.ends_with("/systemuserroles_association/$ref") => {
                self.associate(&path, req)
            }
            Method::Patch => self.patch(&path, req),
            Method::Delete => self.disassociate(&path),
            _ => Self::error(400, "0x80040203", "unsupported"),
        }
    }

    fn get(&self, path: &str) -> HttpResponse {
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

    fn body(req: &HttpRequest) -> Value {
        req.body
            .as_ref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null)
    }

    fn create(&mut self, req: &HttpRequest) -> HttpResponse {
        let body = Self::body(req);
        let app = body["applicationid"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        self.audit.push(WriteAudit {
            method: Method::Post,
            user: None,
            app_id: Some(app.clone()),
        });
        if !self.consented.contains(&app) {
            return Self::error(
                400,
                "0x80040216",
                "The application is not registered in the tenant",
            );
        }
        if self
            .users
            .iter()
            .any(|u| u.app_id.as_deref() == Some(app.as_str()))
        {
            return Self::error(
                412,
                "0x80040237",
                "A record with matching key values already exists.",
            );
        }
        let bu = body["businessunitid@odata.bind"]
            .as_str()
            .unwrap_or_default();
        let bu: String = bu
            .trim_start_matches("/businessunits(")
            .trim_end_matches(')')
            .to_owned();
        self.next_id += 1;
        let id = guid(self.next_id);
        self.users.push(ModelUser {
            id: id.clone(),
            app_id: Some(app),
            disabled: false,
            deletedstate: 0,
            bu,
            roles: vec![],
            fullname: "# Work 365".into(),
            islicensed: false,
        });
        HttpResponse::empty(204).with_header(
            "OData-EntityId",
            &format!("{ORIGIN}/api/data/v9.2/systemusers({id})"),
        )
    }

    fn user_in_path(&self, path: &str) -> Option<usize> {
        let id: String = path
            .strip_prefix("systemusers(")?
            .chars()
            .take(36)
            .collect();
        self.users.iter().position(|u| u.id == id)
    }

    fn audit_user(&mut self, method: Method, i: Option<usize>) {
        let (user, app_id) = i.map_or((None, None), |i| {
            (Some(self.users[i].id.clone()), self.users[i].app_id.clone())
        });
        self.audit.push(WriteAudit {
            method,
            user,
            app_id,
        });
    }

    fn patch(&mut self, path: &str, req: &HttpRequest) -> HttpResponse {
        let i = self.user_in_path(path);
        self.audit_user(Method::Patch, i);
        let Some(i) = i else {
            return Self::error(404, "0x80040217", "no such user");
        };
        let body = Self::body(req);
        if let Some(app) = body["applicationid"].as_str() {
            if self.users[i].app_id.as_deref() != Some(app) {
                return Self::error(400, "0x80040203", "applicationid cannot be changed");
            }
        }
        if let Some(d) = body["isdisabled"].as_bool() {
            self.users[i].disabled = d;
        }
        HttpResponse::empty(204)
    }

    fn associate(&mut self, path: &str, req: &HttpRequest) -> HttpResponse {
        let i = self.user_in_path(path);
        self.audit_user(Method::Post, i);
        let Some(i) = i else {
            return Self::error(404, "0x80040217", "no such user");
        };
        let target = Self::body(req)["@odata.id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let role: String = target
            .rsplit("roles(")
            .next()
            .unwrap_or_default()
            .chars()
            .take(36)
            .collect();
        if !self.roles.iter().any(|r| r.id == role) {
            return Self::error(404, "0x80040217", "no such role");
        }
        // pp: admin/assign-security-roles.md: roles only for enabled users (code: a guess).
        if self.users[i].disabled && !self.roles_on_disabled_users {
            self.refused_disabled += 1;
            return Self::error(
                403,
                "0x80040225",
                "The specified user is either disabled or is not a member of any business unit.",
            );
        }
        if self.users[i].roles.contains(&role) {
            return Self::error(412, "0x80040237", "Cannot insert duplicate key.");
        }
        self.users[i].roles.push(role);
        HttpResponse::empty(204)
    }

    fn disassociate(&mut self, path: &str) -> HttpResponse {
        let i = self.user_in_path(path);
        self.audit_user(Method::Delete, i);
        let Some(i) = i else {
            return Self::error(404, "0x80040217", "no such user");
        };
        let role: String = path
            .rsplit("roles(")
            .next()
            .unwrap_or_default()
            .chars()
            .take(36)
            .collect();
        let before = self.users[i].roles.len();
        self.users[i].roles.retain(|r| r != &role);
        if before == self.users[i].roles.len() {
            return Self::error(404, "0x80040217", "not associated");
        }
        self.removed.push((self.users[i].id.clone(), role));
        HttpResponse::empty(204)
    }
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
