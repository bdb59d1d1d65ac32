//! The scenario file's schema (documented in SCENARIOS.md): what a tenant looks like as
//! written, before it is checked and expanded.

use serde::Deserialize;

use crate::state;

#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub description: String,
    pub tenant: TenantDef,
    pub spa_apps: Vec<SpaAppDef>,
    pub users: Vec<UserDef>,
    #[serde(default)]
    pub service_principals: Vec<ServicePrincipalDef>,
    #[serde(default)]
    pub environments: Vec<EnvironmentDef>,
    #[serde(default)]
    pub environment_repeats: Vec<RepeatDef>,
}

#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct TenantDef {
    pub id: String,
    pub domain: String,
    pub display_name: String,
    #[serde(default)]
    pub user_consent: state::UserConsent,
}

#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct SpaAppDef {
    pub client_id: String,
    pub display_name: String,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub sign_in_audience: state::SignInAudience,
    /// Resource app (`dynamics`, `graph`) → delegated permissions an administrator granted for
    /// the tenant. Absent: the registration guide's full set (see SCENARIOS.md).
    #[serde(default)]
    pub admin_consent: Option<std::collections::BTreeMap<String, Vec<String>>>,
}

/// What an app registration has admin consent for when its scenario does not say: everything
/// the registration guide names, as a tenant that followed it to the end.
pub const GUIDE_ADMIN_CONSENT: [&str; 2] =
    ["dynamics/user_impersonation", "graph/Application.Read.All"];

#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct UserDef {
    pub id: String,
    pub upn: String,
    pub display_name: String,
}

#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct ServicePrincipalDef {
    pub id: String,
    pub app_id: String,
    pub display_name: String,
    #[serde(default)]
    pub app_owner_organization_id: Option<String>,
}

#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RepeatDef {
    pub count: u32,
    pub template: EnvironmentDef,
}

fn default_region() -> String {
    "NA".into()
}
fn default_version() -> String {
    "9.2.25014.00195".into()
}
fn default_purpose() -> String {
    "Production".into()
}
fn default_schema_type() -> String {
    "Full".into()
}
fn default_last_updated() -> String {
    "2025-01-15T10:00:00Z".into()
}

#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentDef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub organization_id: Option<String>,
    pub unique_name: String,
    #[serde(default)]
    pub url_name: Option<String>,
    pub friendly_name: String,
    pub host: String,
    #[serde(default = "default_region")]
    pub region: String,
    #[serde(default)]
    pub state: i64,
    #[serde(default = "default_version")]
    pub version: String,
    #[serde(default = "default_purpose")]
    pub purpose: String,
    #[serde(default)]
    pub organization_type: i64,
    #[serde(default = "default_schema_type")]
    pub schema_type: String,
    #[serde(default = "default_last_updated")]
    pub last_updated: String,
    /// Dataverse's `allowRoleAssignmentOnDisabledUsers` environment setting.
    #[serde(default, alias = "allowRoleAssignmentOnDisabledUsers")]
    pub allow_role_assignment_on_disabled_users: bool,
    pub business_units: Vec<BusinessUnitDef>,
    pub roles: Vec<RoleDef>,
    #[serde(default)]
    pub system_users: Vec<SystemUserDef>,
    #[serde(default)]
    pub solutions: Vec<SolutionDef>,
    #[serde(default)]
    pub app_modules: Vec<AppModuleDef>,
}

#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct BusinessUnitDef {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RoleDef {
    #[serde(default)]
    pub key: Option<String>,
    pub name: String,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub template_id: Option<String>,
    #[serde(default)]
    pub privileges: Vec<String>,
    #[serde(default)]
    pub business_units: Option<Vec<String>>,
}

impl RoleDef {
    /// The key a system user names this role by.
    pub fn key(&self) -> &str {
        self.key.as_deref().unwrap_or(&self.name)
    }
}

#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct SystemUserDef {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub application_id: Option<String>,
    #[serde(default)]
    pub fullname: Option<String>,
    #[serde(default)]
    pub domainname: Option<String>,
    #[serde(default)]
    pub internalemailaddress: Option<String>,
    #[serde(default)]
    pub azureactivedirectoryobjectid: Option<String>,
    #[serde(default)]
    pub accessmode: Option<i64>,
    #[serde(default)]
    pub islicensed: Option<bool>,
    #[serde(default)]
    pub isdisabled: bool,
    #[serde(default)]
    pub deletedstate: i64,
    #[serde(default)]
    pub business_unit: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
}

#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct SolutionDef {
    #[serde(default)]
    pub id: Option<String>,
    pub uniquename: String,
    pub friendlyname: String,
    pub version: String,
    #[serde(default)]
    pub ismanaged: bool,
}

#[derive(Debug, Deserialize, serde::Serialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct AppModuleDef {
    #[serde(default)]
    pub id: Option<String>,
    pub name: String,
    pub uniquename: String,
    #[serde(default)]
    pub url: Option<String>,
}
