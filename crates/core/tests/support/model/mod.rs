//! A small in-memory Dataverse + Graph that answers exactly the requests the procedure sends,
//! and audits every write so tests can check the safety rules. The state and the routing are
//! here; the answers to reads are in `reads.rs`, the writes in `writes.rs`.

mod reads;
mod writes;

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
