//! Application users: look up by app id (with roles), create, enable/disable, (dis)associate roles.

use super::roles::Role;
use super::Dataverse;
use crate::error::ApiError;
use crate::http::{HttpClient, HttpRequest, HttpResponse, Method};
use crate::ids::{AppId, BusinessUnitId, RoleId, SystemUserId};
use crate::odata::{self, Page};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// An application user as read back, with its directly assigned roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppUser {
    /// Id.
    #[serde(rename = "systemuserid")]
    pub id: SystemUserId,
    /// The Entra app it stands for.
    #[serde(rename = "applicationid")]
    pub app_id: Option<AppId>,
    /// Display name.
    #[serde(default)]
    pub fullname: Option<String>,
    /// Whether disabled.
    #[serde(default)]
    pub isdisabled: bool,
    /// 0 (or absent) = live; anything else = soft-deleted, not a usable user.
    #[serde(default)]
    pub deletedstate: Option<i64>,
    /// Its business unit.
    #[serde(rename = "_businessunitid_value", default)]
    pub business_unit_id: Option<BusinessUnitId>,
    /// Directly assigned roles.
    #[serde(rename = "systemuserroles_association", default)]
    pub roles: Vec<Role>,
}

impl AppUser {
    /// Whether the row is soft-deleted (`deletedstate` set and not 0).
    pub fn is_soft_deleted(&self) -> bool {
        self.deletedstate.is_some_and(|d| d != 0)
    }
}

const USER_SELECT: &str =
    "systemuserid,fullname,applicationid,isdisabled,deletedstate,_businessunitid_value";
const ROLE_EXPAND: &str = "systemuserroles_association($select=roleid,name,_businessunitid_value)";

impl Dataverse {
    /// Application users for any of these app ids, with their roles and `deletedstate`.
    pub fn app_users(&self, apps: &[AppId]) -> HttpRequest {
        let filter: Vec<String> = apps
            .iter()
            .map(|a| format!("applicationid eq {a}"))
            .collect();
        self.get(&format!(
            "systemusers?$select={USER_SELECT}&$filter={}&$expand={}",
            odata::encode(&filter.join(" or ")),
            odata::encode(ROLE_EXPAND)
        ))
    }

    /// `POST systemusers`: the application user, non-interactive, enabled, in `bu`.
    pub fn create_app_user(&self, app: &AppId, bu: &BusinessUnitId) -> HttpRequest {
        odata::with_json(
            Method::Post,
            format!("{}/systemusers", self.base()),
            &self.origin,
            &json!({
                "applicationid": app.as_str(),
                "accessmode": 4,
                "isdisabled": false,
                "businessunitid@odata.bind": format!("/businessunits({bu})"),
            }),
        )
    }

    /// `PATCH systemusers({id})` with `isdisabled` and the user's `applicationid`, the body
    /// Microsoft's Terraform provider sends (`tf: internal/services/application/api_application.go`).
    pub fn set_disabled(&self, user: &SystemUserId, app: &AppId, disabled: bool) -> HttpRequest {
        odata::with_json(
            Method::Patch,
            format!("{}/systemusers({user})", self.base()),
            &self.origin,
            &json!({ "isdisabled": disabled, "applicationid": app.as_str() }),
        )
    }

    /// `POST systemusers({id})/systemuserroles_association/$ref`.
    pub fn associate_role(&self, user: &SystemUserId, role: &RoleId) -> HttpRequest {
        odata::with_json(
            Method::Post,
            format!(
                "{}/systemusers({user})/systemuserroles_association/$ref",
                self.base()
            ),
            &self.origin,
            &json!({ "@odata.id": format!("{}/roles({role})", self.base()) }),
        )
    }

    /// `DELETE systemusers({id})/systemuserroles_association/$ref?$id=…/roles({roleId})`.
    pub fn disassociate_role(&self, user: &SystemUserId, role: &RoleId) -> HttpRequest {
        odata::bodiless(
            Method::Delete,
            format!(
                "{base}/systemusers({user})/systemuserroles_association/$ref?$id={base}/roles({role})",
                base = self.base()
            ),
            &self.origin,
        )
    }
}

/// Parses the app user lookup.
pub fn parse_app_users(resp: &HttpResponse) -> Result<Page<AppUser>, ApiError> {
    odata::read_page(resp)
}

/// Reads the new user's id from `OData-EntityId: …/systemusers({id})` of a `204` create.
pub fn parse_created(resp: &HttpResponse) -> Result<Option<SystemUserId>, ApiError> {
    odata::read_ok(resp)?;
    let Some(h) = resp.header("OData-EntityId") else {
        return Ok(None);
    };
    let id = h
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(id, _)| id);
    match id.map(SystemUserId::parse) {
        Some(Ok(id)) => Ok(Some(id)),
        _ => Err(ApiError::Unreadable {
            status: resp.status,
            reason: "OData-EntityId does not end in (guid)".into(),
            excerpt: h.chars().take(200).collect(),
        }),
    }
}

/// Looks up the application users of these apps.
pub async fn app_users(
    client: &impl HttpClient,
    dv: &Dataverse,
    apps: &[AppId],
) -> Result<Vec<AppUser>, ApiError> {
    super::fetch_all(client, dv.app_users(apps)).await
}

/// Creates the application user; `None` when Dataverse answered 2xx without `OData-EntityId`.
pub async fn create_app_user(
    client: &impl HttpClient,
    dv: &Dataverse,
    app: &AppId,
    bu: &BusinessUnitId,
) -> Result<Option<SystemUserId>, ApiError> {
    parse_created(&client.send(dv.create_app_user(app, bu)).await?)
}

/// Assigns a role.
pub async fn associate_role(
    client: &impl HttpClient,
    dv: &Dataverse,
    user: &SystemUserId,
    role: &RoleId,
) -> Result<(), ApiError> {
    odata::read_ok(&client.send(dv.associate_role(user, role)).await?)
}
