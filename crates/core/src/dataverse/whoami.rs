//! `WhoAmI` and the caller's own roles and privileges.

use super::Dataverse;
use crate::error::ApiError;
use crate::http::{HttpClient, HttpRequest, HttpResponse};
use crate::ids::{BusinessUnitId, Guid, OrganizationId, RoleId, SystemUserId};
use crate::odata::{self, Page};
use crate::preset::SYSTEM_ADMINISTRATOR_TEMPLATE_ID;
use serde::{Deserialize, Serialize};

/// Who the token belongs to, in this environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoAmI {
    /// The caller's systemuser id.
    #[serde(rename = "UserId")]
    pub user_id: SystemUserId,
    /// The caller's business unit.
    #[serde(rename = "BusinessUnitId")]
    pub business_unit_id: BusinessUnitId,
    /// The organization.
    #[serde(rename = "OrganizationId")]
    pub organization_id: OrganizationId,
}

/// A role the caller holds directly (not through a team).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallerRole {
    /// Role id.
    #[serde(rename = "roleid")]
    pub role_id: Option<RoleId>,
    /// Role name.
    #[serde(default)]
    pub name: String,
    /// Role template, the same in every environment for built-in roles.
    #[serde(rename = "_roletemplateid_value", default)]
    pub template_id: Option<Guid>,
}

impl CallerRole {
    /// Whether this is System Administrator (by template id, not by name, which can be localised).
    pub fn is_system_administrator(&self) -> bool {
        self.template_id
            .as_ref()
            .is_some_and(|t| t.as_str() == SYSTEM_ADMINISTRATOR_TEMPLATE_ID)
    }
}

/// The signed-in user's own row with its direct roles, as [`Dataverse::current_user_roles`]
/// reads it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CurrentUser {
    /// The user's id (the same as `WhoAmI`'s `UserId`).
    #[serde(rename = "systemuserid")]
    pub user_id: SystemUserId,
    /// Its direct roles.
    #[serde(rename = "systemuserroles_association", default)]
    pub roles: Vec<CallerRole>,
}

/// The privileges the procedure needs the caller to hold.
pub const NEEDED_PRIVILEGES: [&str; 5] = [
    "prvCreateUser",
    "prvWriteUser",
    "prvAssignRole",
    "prvReadRole",
    "prvReadBusinessUnit",
];

#[derive(Deserialize)]
struct PrivilegeAnswer {
    #[serde(rename = "RolePrivileges", default)]
    role_privileges: Vec<serde_json::Value>,
}

impl Dataverse {
    /// `GET WhoAmI`.
    pub fn who_am_i(&self) -> HttpRequest {
        self.get("WhoAmI")
    }

    /// `GET systemusers({id})/systemuserroles_association?$select=roleid,name,_roletemplateid_value`.
    pub fn caller_roles(&self, user: &SystemUserId) -> HttpRequest {
        self.get_paged(&format!(
            "systemusers({user})/systemuserroles_association?$select=roleid,name,_roletemplateid_value"
        ))
    }

    /// The signed-in user's row with its direct roles, without knowing its id: filtered by the
    /// query function `Microsoft.Dynamics.CRM.EqualUserId` ("whether the value is equal to the
    /// ID of the user", Web API Query Function Reference) on `systemuserid`, roles expanded. So
    /// the caller's roles come with the first round instead of after `WhoAmI`'s answer.
    pub fn current_user_roles(&self) -> HttpRequest {
        self.get(&format!(
            "systemusers?$select=systemuserid&$filter={}&$expand={}",
            odata::encode("Microsoft.Dynamics.CRM.EqualUserId(PropertyName='systemuserid')"),
            odata::encode("systemuserroles_association($select=roleid,name,_roletemplateid_value)")
        ))
    }

    /// `GET systemusers({id})/Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName(PrivilegeName='…')`.
    /// *Unconfirmed* bound form: used only as a fallback when no direct System Administrator role is seen.
    pub fn caller_privilege(&self, user: &SystemUserId, privilege: &str) -> HttpRequest {
        self.get(&format!(
            "systemusers({user})/Microsoft.Dynamics.CRM.RetrieveUserPrivilegeByPrivilegeName(PrivilegeName={})",
            odata::encode(&odata::quote(privilege))
        ))
    }
}

/// Parses `WhoAmI`.
pub fn parse_who_am_i(resp: &HttpResponse) -> Result<WhoAmI, ApiError> {
    odata::read_json(resp)
}

/// Parses a page of the caller's roles.
pub fn parse_caller_roles(resp: &HttpResponse) -> Result<Page<CallerRole>, ApiError> {
    odata::read_page(resp)
}

/// Parses the signed-in user's row (see [`Dataverse::current_user_roles`]).
pub fn parse_current_user(resp: &HttpResponse) -> Result<Page<CurrentUser>, ApiError> {
    odata::read_page(resp)
}

/// Parses a privilege check: whether the caller holds the privilege at any depth.
pub fn parse_caller_privilege(resp: &HttpResponse) -> Result<bool, ApiError> {
    let a: PrivilegeAnswer = odata::read_json(resp)?;
    Ok(!a.role_privileges.is_empty())
}

/// Asks `WhoAmI`.
pub async fn who_am_i(client: &impl HttpClient, dv: &Dataverse) -> Result<WhoAmI, ApiError> {
    parse_who_am_i(&client.send(dv.who_am_i()).await?)
}

/// Lists the caller's direct roles.
pub async fn caller_roles(
    client: &impl HttpClient,
    dv: &Dataverse,
    user: &SystemUserId,
) -> Result<Vec<CallerRole>, ApiError> {
    super::fetch_all(client, dv.caller_roles(user)).await
}
