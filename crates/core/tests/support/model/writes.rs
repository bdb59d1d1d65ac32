//! The model's writes: create, enable or disable, associate and disassociate a role, each
//! audited before it is answered.

use super::{guid, Model, ModelUser, WriteAudit, ORIGIN};
use serde_json::Value;
use w365_core::http::{HttpRequest, HttpResponse, Method};

impl Model {
    fn body(req: &HttpRequest) -> Value {
        req.body
            .as_ref()
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or(Value::Null)
    }

    pub(super) fn create(&mut self, req: &HttpRequest) -> HttpResponse {
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

    pub(super) fn patch(&mut self, path: &str, req: &HttpRequest) -> HttpResponse {
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

    pub(super) fn associate(&mut self, path: &str, req: &HttpRequest) -> HttpResponse {
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

    pub(super) fn disassociate(&mut self, path: &str) -> HttpResponse {
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
