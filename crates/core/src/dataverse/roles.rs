//! Security roles: resolve by name in the root business unit; holders of a role.

use super::Dataverse;
use crate::error::ApiError;
use crate::http::{HttpClient, HttpRequest, HttpResponse};
use crate::ids::{AppId, BusinessUnitId, RoleId, SystemUserId};
use crate::odata::{self, Page};
use serde::{Deserialize, Serialize};

/// A security role (one copy per business unit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Id of this copy.
    #[serde(rename = "roleid")]
    pub id: RoleId,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// The business unit of this copy.
    #[serde(rename = "_businessunitid_value", default)]
    pub business_unit_id: Option<BusinessUnitId>,
}

/// A user holding a role, to find the licensed service account the app user replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleHolder {
    /// Id.
    #[serde(rename = "systemuserid")]
    pub id: SystemUserId,
    /// Full name.
    #[serde(default)]
    pub fullname: Option<String>,
    /// Sign-in name.
    #[serde(default)]
    pub domainname: Option<String>,
    /// Whether it consumes a license.
    #[serde(default)]
    pub islicensed: Option<bool>,
    /// Set for application users; `None` for people and service accounts.
    #[serde(default)]
    pub applicationid: Option<AppId>,
    /// Whether disabled.
    #[serde(default)]
    pub isdisabled: Option<bool>,
}

/// A role copy with the users holding it (the roles read of an inspection that looks for the
/// service account expands them).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct RoleWithHolders {
    /// The role copy.
    #[serde(flatten)]
    pub role: Role,
    /// Its holders (none when the read did not expand them).
    #[serde(rename = "systemuserroles_association", default)]
    pub holders: Vec<RoleHolder>,
}

/// The columns read of a role's holders.
const HOLDER_SELECT: &str = "systemuserid,fullname,domainname,islicensed,applicationid,isdisabled";

fn name_filter(names: &[String]) -> String {
    let parts: Vec<String> = names
        .iter()
        .map(|n| format!("name eq {}", odata::quote(n)))
        .collect();
    parts.join(" or ")
}

impl Dataverse {
    /// Roles with these names in every business unit; the caller keeps the root unit's copies.
    /// One request that needs no business unit id, so it can go out with the first reads.
    pub fn roles_named(&self, names: &[String]) -> HttpRequest {
        self.get_paged(&format!(
            "roles?$select=roleid,name,_businessunitid_value&$filter={}",
            odata::encode(&name_filter(names))
        ))
    }

    /// [`Dataverse::roles_named`], each role copy with its holders: a single `$expand` of the
    /// N:N `systemuserroles_association`, which Dataverse answers unpaged, up to 5,000 holders
    /// per copy (`pa: developer/data-platform/webapi/query/join-tables.md`, "Expand
    /// collection-valued navigation properties"). Saves the round trip that reading the
    /// service role's holders by its id would need.
    pub fn roles_named_with_holders(&self, names: &[String]) -> HttpRequest {
        self.get_paged(&format!(
            "roles?$select=roleid,name,_businessunitid_value&$filter={}&$expand={}",
            odata::encode(&name_filter(names)),
            odata::encode(&format!(
                "systemuserroles_association($select={HOLDER_SELECT})"
            ))
        ))
    }

    /// Roles with these names in one business unit (the reference's form).
    pub fn roles_in_business_unit(&self, bu: &BusinessUnitId, names: &[String]) -> HttpRequest {
        self.get_paged(&format!(
            "roles?$select=roleid,name,_businessunitid_value&$filter={}",
            odata::encode(&format!(
                "_businessunitid_value eq {bu} and ({})",
                name_filter(names)
            ))
        ))
    }

    /// Users holding a role copy, with what tells a licensed service account apart.
    pub fn role_holders(&self, role: &RoleId) -> HttpRequest {
        self.get_paged(&format!(
            "roles({role})/systemuserroles_association?$select={HOLDER_SELECT}"
        ))
    }
}

/// Parses a page of roles.
pub fn parse_roles(resp: &HttpResponse) -> Result<Page<Role>, ApiError> {
    odata::read_page(resp)
}

/// Parses a page of roles, with their holders when they were expanded.
pub fn parse_roles_with_holders(resp: &HttpResponse) -> Result<Page<RoleWithHolders>, ApiError> {
    odata::read_page(resp)
}

/// Parses a page of role holders.
pub fn parse_role_holders(resp: &HttpResponse) -> Result<Page<RoleHolder>, ApiError> {
    odata::read_page(resp)
}

/// Lists roles by name in one business unit.
pub async fn roles_in_business_unit(
    client: &impl HttpClient,
    dv: &Dataverse,
    bu: &BusinessUnitId,
    names: &[String],
) -> Result<Vec<Role>, ApiError> {
    super::fetch_all(client, dv.roles_in_business_unit(bu, names)).await
}

/// Lists the holders of a role.
pub async fn role_holders(
    client: &impl HttpClient,
    dv: &Dataverse,
    role: &RoleId,
) -> Result<Vec<RoleHolder>, ApiError> {
    super::fetch_all(client, dv.role_holders(role)).await
}
