//! The live tenant the emulator serves: what a scenario becomes once loaded,
//! and what the Microsoft endpoints read and change.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::ids::{
    AppId, AppModuleId, BusinessUnitId, ClientId, EnvironmentId, ObjectId, OrganizationId, RoleId,
    SolutionId, SystemUserId, TenantId,
};

/// The System Administrator role template id, the same in every environment.
pub const SYSADMIN_TEMPLATE_ID: &str = "627090ff-40a3-4053-8790-584edc5be201";

/// The whole tenant: directory objects and every environment.
#[derive(Debug, Clone, Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub domain: String,
    pub display_name: String,
    /// Whether users may consent to apps themselves (Entra's "User consent for applications").
    pub user_consent: UserConsent,
    pub spa_apps: Vec<SpaApp>,
    pub users: Vec<User>,
    pub service_principals: Vec<ServicePrincipal>,
    pub environments: Vec<Environment>,
}

/// The tenant's user-consent setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum UserConsent {
    /// Users may consent to permissions that do not need an administrator.
    #[default]
    Allowed,
    /// "Do not allow user consent": every missing permission needs an administrator.
    Disabled,
}

/// Who may sign in to an app registration (its manifest's `signInAudience`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SignInAudience {
    /// "Accounts in this organizational directory only": a tenant-specific authority is needed.
    #[serde(rename = "AzureADMyOrg")]
    MyOrg,
    /// "Accounts in any organizational directory".
    #[default]
    #[serde(rename = "AzureADMultipleOrgs")]
    MultipleOrgs,
}

/// A single-page-application registration MSAL signs in with.
#[derive(Debug, Clone, Serialize)]
pub struct SpaApp {
    pub client_id: ClientId,
    pub display_name: String,
    pub redirect_uris: Vec<String>,
    pub sign_in_audience: SignInAudience,
    /// Delegated permissions an administrator granted for the whole tenant, as
    /// `{resource app}/{permission}` (`dynamics/user_impersonation`, `graph/Application.Read.All`).
    pub admin_consent: BTreeSet<String>,
}

/// A directory user who can sign in.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: ObjectId,
    pub upn: String,
    pub display_name: String,
}

/// A service principal consented in the tenant.
#[derive(Debug, Clone, Serialize)]
pub struct ServicePrincipal {
    pub id: ObjectId,
    pub app_id: AppId,
    pub display_name: String,
    pub app_owner_organization_id: String,
}

/// One Dataverse environment.
#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    pub id: EnvironmentId,
    pub organization_id: OrganizationId,
    pub unique_name: String,
    pub url_name: String,
    pub friendly_name: String,
    pub host: String,
    pub region: String,
    pub state: i64,
    pub version: String,
    pub purpose: String,
    pub organization_type: i64,
    pub schema_type: String,
    pub last_updated: String,
    /// The environment setting `allowRoleAssignmentOnDisabledUsers`.
    pub allow_role_assignment_on_disabled_users: bool,
    pub business_units: Vec<BusinessUnit>,
    pub roles: Vec<Role>,
    pub system_users: Vec<SystemUser>,
    pub solutions: Vec<Solution>,
    pub app_modules: Vec<AppModule>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BusinessUnit {
    pub id: BusinessUnitId,
    pub name: String,
    pub parent: Option<BusinessUnitId>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub id: RoleId,
    pub name: String,
    pub business_unit: BusinessUnitId,
    pub template_id: Option<RoleId>,
    pub parent_root_role: RoleId,
    /// Privilege names; `*` means every privilege.
    pub privileges: Vec<String>,
}

impl Role {
    /// Whether this is a copy of System Administrator.
    pub fn is_sysadmin(&self) -> bool {
        self.template_id
            .as_ref()
            .is_some_and(|t| t.is(SYSADMIN_TEMPLATE_ID))
    }

    /// Whether the role grants `privilege`.
    pub fn grants(&self, privilege: &str) -> bool {
        self.is_sysadmin()
            || self
                .privileges
                .iter()
                .any(|p| p == "*" || p.eq_ignore_ascii_case(privilege))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemUser {
    pub id: SystemUserId,
    pub fullname: String,
    pub domainname: Option<String>,
    pub internalemailaddress: Option<String>,
    pub azureactivedirectoryobjectid: Option<ObjectId>,
    pub applicationid: Option<AppId>,
    pub accessmode: i64,
    pub islicensed: bool,
    pub isdisabled: bool,
    pub deletedstate: i64,
    pub business_unit: BusinessUnitId,
    /// Ids of the roles directly assigned.
    pub roles: Vec<RoleId>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Solution {
    pub id: SolutionId,
    pub uniquename: String,
    pub friendlyname: String,
    pub version: String,
    pub ismanaged: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct AppModule {
    pub id: AppModuleId,
    pub name: String,
    pub uniquename: String,
    pub url: Option<String>,
}

impl Tenant {
    pub fn user_by_upn(&self, upn: &str) -> Option<&User> {
        self.users.iter().find(|u| u.upn.eq_ignore_ascii_case(upn))
    }

    pub fn user_by_oid(&self, oid: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id.is(oid))
    }

    pub fn spa_app(&self, client_id: &str) -> Option<&SpaApp> {
        self.spa_apps.iter().find(|a| a.client_id.is(client_id))
    }

    pub fn service_principal_by_app_id(&self, app_id: &str) -> Option<&ServicePrincipal> {
        self.service_principals.iter().find(|s| s.app_id.is(app_id))
    }
}

/// GDS `State` of a disabled environment.
pub const STATE_DISABLED: i64 = 1;

impl Environment {
    /// Whether the environment is disabled (GDS `State` 1): its Web API serves nothing.
    pub fn is_disabled(&self) -> bool {
        self.state == STATE_DISABLED
    }

    /// The live, enabled-or-not system user for an Entra object id.
    pub fn system_user_by_oid(&self, oid: &str) -> Option<&SystemUser> {
        self.system_users.iter().find(|u| {
            u.deletedstate == 0
                && u.azureactivedirectoryobjectid
                    .as_ref()
                    .is_some_and(|o| o.is(oid))
        })
    }

    pub fn system_user(&self, id: &str) -> Option<&SystemUser> {
        self.system_users.iter().find(|u| u.id.is(id))
    }

    pub fn role(&self, id: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.id.is(id))
    }

    pub fn root_business_unit(&self) -> Option<&BusinessUnit> {
        self.business_units.iter().find(|b| b.parent.is_none())
    }

    /// The roles a system user holds directly.
    pub fn roles_of<'a>(&'a self, user: &'a SystemUser) -> impl Iterator<Item = &'a Role> + 'a {
        user.roles.iter().filter_map(|id| self.role(id.as_str()))
    }

    pub fn has_privilege(&self, user: &SystemUser, privilege: &str) -> bool {
        self.roles_of(user).any(|r| r.grants(privilege))
    }

    pub fn is_sysadmin(&self, user: &SystemUser) -> bool {
        self.roles_of(user).any(Role::is_sysadmin)
    }
}
