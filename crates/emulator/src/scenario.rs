//! Scenario files: the schema (documented in SCENARIOS.md), loading with
//! precise error paths, template expansion and semantic validation.

use std::collections::HashSet;
use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

use crate::ids::{det_guid, is_guid};
use crate::state;

/// The scenarios shipped with the emulator, by name.
pub const SHIPPED: &[(&str, &str)] = &[
    ("demo", include_str!("../scenarios/demo.json")),
    (
        "not-sysadmin",
        include_str!("../scenarios/not-sysadmin.json"),
    ),
    (
        "not-consented",
        include_str!("../scenarios/not-consented.json"),
    ),
    (
        "disabled-app-user",
        include_str!("../scenarios/disabled-app-user.json"),
    ),
    (
        "roles-in-child-bu",
        include_str!("../scenarios/roles-in-child-bu.json"),
    ),
    (
        "duplicate-role-names",
        include_str!("../scenarios/duplicate-role-names.json"),
    ),
    (
        "both-consented",
        include_str!("../scenarios/both-consented.json"),
    ),
    ("eu", include_str!("../scenarios/eu.json")),
    (
        "soft-deleted-app-user",
        include_str!("../scenarios/soft-deleted-app-user.json"),
    ),
    (
        "partial-setup",
        include_str!("../scenarios/partial-setup.json"),
    ),
    ("batch-200", include_str!("../scenarios/batch-200.json")),
    ("gcc-high", include_str!("../scenarios/gcc-high.json")),
    (
        "single-tenant",
        include_str!("../scenarios/single-tenant.json"),
    ),
    (
        "dynamics-consent-only",
        include_str!("../scenarios/dynamics-consent-only.json"),
    ),
    (
        "solution-named-otherwise",
        include_str!("../scenarios/solution-named-otherwise.json"),
    ),
    (
        "roles-without-solution",
        include_str!("../scenarios/roles-without-solution.json"),
    ),
    ("old-version", include_str!("../scenarios/old-version.json")),
];

/// Where a scenario comes from: a shipped name or a file path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioSource {
    Named(String),
    Path(PathBuf),
}

impl ScenarioSource {
    /// A shipped name when one matches, a path otherwise.
    pub fn parse(s: &str) -> Self {
        if SHIPPED.iter().any(|(n, _)| *n == s) {
            ScenarioSource::Named(s.to_string())
        } else {
            ScenarioSource::Path(PathBuf::from(s))
        }
    }

    fn describe(&self) -> String {
        match self {
            ScenarioSource::Named(n) => format!("scenarios/{n}.json"),
            ScenarioSource::Path(p) => p.display().to_string(),
        }
    }
}

impl Default for ScenarioSource {
    fn default() -> Self {
        ScenarioSource::Named("demo".into())
    }
}

/// Why a scenario was refused.
#[derive(Debug, Clone, thiserror::Error)]
#[error("scenario {file}: at {path}: {message}")]
pub struct ScenarioError {
    pub file: String,
    pub path: String,
    pub message: String,
}

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
const GUIDE_ADMIN_CONSENT: [&str; 2] =
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
    fn key(&self) -> &str {
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

/// Reads, parses, expands and validates a scenario into a live tenant.
pub fn load(source: &ScenarioSource) -> Result<state::Tenant, ScenarioError> {
    let file = source.describe();
    let text = match source {
        ScenarioSource::Named(n) => match SHIPPED.iter().find(|(name, _)| name == n) {
            Some((_, t)) => (*t).to_string(),
            None => {
                return Err(ScenarioError {
                    file,
                    path: "$".into(),
                    message: format!("no shipped scenario is named {n:?}"),
                })
            }
        },
        ScenarioSource::Path(p) => std::fs::read_to_string(p).map_err(|e| ScenarioError {
            file: file.clone(),
            path: "$".into(),
            message: format!("cannot read: {e}"),
        })?,
    };
    parse(&file, &text)
}

/// Parses scenario text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<state::Tenant, ScenarioError> {
    let err = |path: String, message: String| ScenarioError {
        file: file.to_string(),
        path,
        message,
    };
    let de = &mut serde_json::Deserializer::from_str(text);
    let mut scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        err(path, e.into_inner().to_string())
    })?;
    for (ri, repeat) in std::mem::take(&mut scenario.environment_repeats)
        .into_iter()
        .enumerate()
    {
        let template = serde_json::to_value(&repeat.template)
            .map_err(|e| err(format!("environment_repeats[{ri}].template"), e.to_string()))?;
        for n in 1..=repeat.count {
            let value = substitute(&template, n);
            let env: EnvironmentDef = serde_json::from_value(value).map_err(|e| {
                err(
                    format!("environment_repeats[{ri}].template (copy {n})"),
                    e.to_string(),
                )
            })?;
            scenario.environments.push(env);
        }
    }
    build(&scenario).map_err(|(path, message)| err(path, message))
}

/// Replaces `{n}` and `{n:0W}` (zero-padded to W digits) in every string.
fn substitute(v: &Value, n: u32) -> Value {
    match v {
        Value::String(s) => Value::String(substitute_str(s, n)),
        Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, n)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), substitute(x, n)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn substitute_str(s: &str, n: u32) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("{n") {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        match after.find('}') {
            Some(end) => {
                let spec = &after[2..end];
                if spec.is_empty() {
                    out.push_str(&n.to_string());
                } else if let Some(w) = spec
                    .strip_prefix(":0")
                    .and_then(|w| w.parse::<usize>().ok())
                {
                    out.push_str(&format!("{n:0w$}"));
                } else {
                    out.push_str(&after[..=end]);
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

type BuildError = (String, String);

/// GDS documents `EnvironmentId` as a string: a GUID (kept lowercase), the tenant's default
/// environment `Default-{tenant id}`, or any other non-empty text (undocumented shapes, to
/// test a client). A `Default-` id must name this tenant, as Microsoft's does.
fn environment_id(
    s: &Scenario,
    path: &str,
    given: Option<&str>,
    seed: &str,
) -> Result<String, BuildError> {
    let Some(id) = given else {
        return Ok(det_guid(seed));
    };
    if id.is_empty() {
        return Err((path.into(), "an environment id cannot be empty".into()));
    }
    if is_guid(id) {
        return Ok(id.to_ascii_lowercase());
    }
    let prefix = id.get(..8).unwrap_or_default();
    if prefix.eq_ignore_ascii_case("Default-") {
        let tenant = &id[8..];
        if !is_guid(tenant) || !tenant.eq_ignore_ascii_case(&s.tenant.id) {
            return Err((
                path.into(),
                format!(
                    "{id:?}: a default environment's id is Default-{{tenant id}}, here Default-{}",
                    s.tenant.id.to_ascii_lowercase()
                ),
            ));
        }
        return Ok(format!("Default-{}", tenant.to_ascii_lowercase()));
    }
    Ok(id.to_owned())
}

fn check_guid(path: String, v: &str) -> Result<(), BuildError> {
    if is_guid(v) {
        Ok(())
    } else {
        Err((path, format!("{v:?} is not a GUID")))
    }
}

fn unique<'a>(
    seen: &mut HashSet<String>,
    path: String,
    what: &str,
    v: &'a str,
) -> Result<&'a str, BuildError> {
    if seen.insert(v.to_ascii_lowercase()) {
        Ok(v)
    } else {
        Err((path, format!("duplicate {what} {v:?}")))
    }
}

fn build(s: &Scenario) -> Result<state::Tenant, BuildError> {
    check_guid("tenant.id".into(), &s.tenant.id)?;
    if s.spa_apps.is_empty() {
        return Err(("spa_apps".into(), "at least one SPA app is needed".into()));
    }
    let mut seen = HashSet::new();
    for (i, a) in s.spa_apps.iter().enumerate() {
        check_guid(format!("spa_apps[{i}].client_id"), &a.client_id)?;
        unique(
            &mut seen,
            format!("spa_apps[{i}].client_id"),
            "client id",
            &a.client_id,
        )?;
        for (j, u) in a.redirect_uris.iter().enumerate() {
            if url::Url::parse(u).is_err() {
                return Err((
                    format!("spa_apps[{i}].redirect_uris[{j}]"),
                    format!("{u:?} is not an absolute URL"),
                ));
            }
        }
        for resource in a.admin_consent.iter().flat_map(|m| m.keys()) {
            if !["dynamics", "graph"].contains(&resource.as_str()) {
                return Err((
                    format!("spa_apps[{i}].admin_consent.{resource}"),
                    format!(
                        "{resource:?} is not a resource app the emulator knows (dynamics, graph)"
                    ),
                ));
            }
        }
    }
    let (mut ids, mut upns) = (HashSet::new(), HashSet::new());
    for (i, u) in s.users.iter().enumerate() {
        check_guid(format!("users[{i}].id"), &u.id)?;
        unique(&mut ids, format!("users[{i}].id"), "user id", &u.id)?;
        unique(&mut upns, format!("users[{i}].upn"), "upn", &u.upn)?;
    }
    let (mut sp_ids, mut sp_apps) = (HashSet::new(), HashSet::new());
    for (i, sp) in s.service_principals.iter().enumerate() {
        check_guid(format!("service_principals[{i}].id"), &sp.id)?;
        check_guid(format!("service_principals[{i}].app_id"), &sp.app_id)?;
        unique(
            &mut sp_ids,
            format!("service_principals[{i}].id"),
            "service principal id",
            &sp.id,
        )?;
        unique(
            &mut sp_apps,
            format!("service_principals[{i}].app_id"),
            "app id",
            &sp.app_id,
        )?;
    }
    let tenant_domain = s.tenant.domain.clone();
    let mut environments = Vec::new();
    let (mut env_ids, mut env_names, mut env_hosts) =
        (HashSet::new(), HashSet::new(), HashSet::new());
    for (ei, e) in s.environments.iter().enumerate() {
        let p = format!("environments[{ei}]");
        let env = build_env(s, &p, e)?;
        unique(
            &mut env_names,
            format!("{p}.unique_name"),
            "unique name",
            &env.unique_name,
        )?;
        unique(&mut env_ids, format!("{p}.id"), "environment id", &env.id)?;
        unique(&mut env_hosts, format!("{p}.host"), "host", &env.host)?;
        environments.push(env);
    }
    Ok(state::Tenant {
        id: s.tenant.id.to_ascii_lowercase(),
        domain: tenant_domain,
        display_name: s.tenant.display_name.clone(),
        user_consent: s.tenant.user_consent,
        spa_apps: s
            .spa_apps
            .iter()
            .map(|a| state::SpaApp {
                client_id: a.client_id.to_ascii_lowercase(),
                display_name: a.display_name.clone(),
                redirect_uris: a.redirect_uris.clone(),
                sign_in_audience: a.sign_in_audience,
                admin_consent: match &a.admin_consent {
                    None => GUIDE_ADMIN_CONSENT.iter().map(|p| p.to_string()).collect(),
                    Some(map) => map
                        .iter()
                        .flat_map(|(resource, names)| {
                            names.iter().map(move |n| format!("{resource}/{n}"))
                        })
                        .collect(),
                },
            })
            .collect(),
        users: s
            .users
            .iter()
            .map(|u| state::User {
                id: u.id.to_ascii_lowercase(),
                upn: u.upn.clone(),
                display_name: u.display_name.clone(),
            })
            .collect(),
        service_principals: s
            .service_principals
            .iter()
            .map(|sp| state::ServicePrincipal {
                id: sp.id.to_ascii_lowercase(),
                app_id: sp.app_id.to_ascii_lowercase(),
                display_name: sp.display_name.clone(),
                app_owner_organization_id: sp
                    .app_owner_organization_id
                    .clone()
                    .unwrap_or_else(|| det_guid(&format!("owner/{}", sp.app_id))),
            })
            .collect(),
        environments,
    })
}

fn build_env(s: &Scenario, p: &str, e: &EnvironmentDef) -> Result<state::Environment, BuildError> {
    let host = e.host.to_ascii_lowercase();
    if crate::clouds::Cloud::of_environment_host(&host).is_none() {
        return Err((
            format!("{p}.host"),
            format!(
                "{:?} must be an environment host of a Microsoft cloud (ending in .dynamics.com, \
                 .crm.microsoftdynamics.us, .crm.appsplatform.us or .crm.dynamics.cn)",
                e.host
            ),
        ));
    }
    let seed = format!("env/{}", e.unique_name);
    let id = environment_id(s, &format!("{p}.id"), e.id.as_deref(), &seed)?;
    let organization_id = e
        .organization_id
        .clone()
        .unwrap_or_else(|| det_guid(&format!("{seed}/org")));
    check_guid(format!("{p}.organization_id"), &organization_id)?;

    // Business units: unique GUIDs, exactly one root, parents that exist.
    let mut bu_ids = HashSet::new();
    for (i, b) in e.business_units.iter().enumerate() {
        check_guid(format!("{p}.business_units[{i}].id"), &b.id)?;
        unique(
            &mut bu_ids,
            format!("{p}.business_units[{i}].id"),
            "business unit id",
            &b.id,
        )?;
    }
    let roots = e
        .business_units
        .iter()
        .filter(|b| b.parent.is_none())
        .count();
    if roots != 1 {
        return Err((
            format!("{p}.business_units"),
            format!("exactly one business unit must have no parent (found {roots})"),
        ));
    }
    for (i, b) in e.business_units.iter().enumerate() {
        if let Some(parent) = &b.parent {
            if !bu_ids.contains(&parent.to_ascii_lowercase()) {
                return Err((
                    format!("{p}.business_units[{i}].parent"),
                    format!("unknown business unit {parent:?}"),
                ));
            }
        }
    }
    let root_bu = e
        .business_units
        .iter()
        .find(|b| b.parent.is_none())
        .map(|b| b.id.to_ascii_lowercase())
        .unwrap_or_default();

    // Roles: one copy per business unit listed (all by default).
    let mut roles = Vec::new();
    let mut keys = HashSet::new();
    let mut role_ids = HashSet::new();
    // (key, business unit) -> role id
    let mut role_index: Vec<(String, String, String)> = Vec::new();
    for (i, r) in e.roles.iter().enumerate() {
        let rp = format!("{p}.roles[{i}]");
        unique(&mut keys, format!("{rp}.key"), "role key", r.key())?;
        if let Some(t) = &r.template_id {
            check_guid(format!("{rp}.template_id"), t)?;
        }
        let bus: Vec<String> = match &r.business_units {
            Some(list) => {
                for (j, b) in list.iter().enumerate() {
                    if !bu_ids.contains(&b.to_ascii_lowercase()) {
                        return Err((
                            format!("{rp}.business_units[{j}]"),
                            format!("unknown business unit {b:?}"),
                        ));
                    }
                }
                list.iter().map(|b| b.to_ascii_lowercase()).collect()
            }
            None => e
                .business_units
                .iter()
                .map(|b| b.id.to_ascii_lowercase())
                .collect(),
        };
        if bus.is_empty() {
            return Err((format!("{rp}.business_units"), "no business unit".into()));
        }
        let first_bu = if bus.contains(&root_bu) {
            root_bu.clone()
        } else {
            bus[0].clone()
        };
        let root_id = match &r.id {
            Some(id) => {
                check_guid(format!("{rp}.id"), id)?;
                id.to_ascii_lowercase()
            }
            None => det_guid(&format!("{seed}/role/{}/{}", r.key(), first_bu)),
        };
        for bu in &bus {
            let id = if *bu == first_bu {
                root_id.clone()
            } else {
                det_guid(&format!("{seed}/role/{}/{}", r.key(), bu))
            };
            unique(&mut role_ids, format!("{rp}.id"), "role id", &id)?;
            role_index.push((r.key().to_string(), bu.clone(), id.clone()));
            roles.push(state::Role {
                id,
                name: r.name.clone(),
                business_unit: bu.clone(),
                template_id: r.template_id.as_ref().map(|t| t.to_ascii_lowercase()),
                parent_root_role: root_id.clone(),
                privileges: r.privileges.clone(),
            });
        }
    }

    let mut system_users = Vec::new();
    let mut su_ids = HashSet::new();
    for (i, u) in e.system_users.iter().enumerate() {
        let up = format!("{p}.system_users[{i}]");
        let bu = match &u.business_unit {
            Some(b) => {
                if !bu_ids.contains(&b.to_ascii_lowercase()) {
                    return Err((
                        format!("{up}.business_unit"),
                        format!("unknown business unit {b:?}"),
                    ));
                }
                b.to_ascii_lowercase()
            }
            None => root_bu.clone(),
        };
        let person = match &u.user {
            Some(upn) => Some(
                s.users
                    .iter()
                    .find(|x| x.upn.eq_ignore_ascii_case(upn))
                    .ok_or_else(|| (format!("{up}.user"), format!("unknown user {upn:?}")))?,
            ),
            None => None,
        };
        if let Some(app) = &u.application_id {
            check_guid(format!("{up}.application_id"), app)?;
        }
        if person.is_none()
            && u.application_id.is_none()
            && u.azureactivedirectoryobjectid.is_none()
        {
            return Err((
                up.clone(),
                "a system user needs `user`, `application_id` or `azureactivedirectoryobjectid`"
                    .into(),
            ));
        }
        let sp = u.application_id.as_ref().and_then(|a| {
            s.service_principals
                .iter()
                .find(|x| x.app_id.eq_ignore_ascii_case(a))
        });
        let id = match &u.id {
            Some(id) => {
                check_guid(format!("{up}.id"), id)?;
                id.to_ascii_lowercase()
            }
            None => det_guid(&format!("{seed}/systemuser/{i}")),
        };
        unique(&mut su_ids, format!("{up}.id"), "system user id", &id)?;
        let mut held = Vec::new();
        for (j, key) in u.roles.iter().enumerate() {
            let in_env: Vec<_> = role_index.iter().filter(|(k, _, _)| k == key).collect();
            if in_env.is_empty() {
                return Err((format!("{up}.roles[{j}]"), format!("unknown role {key:?}")));
            }
            match in_env.iter().find(|(_, b, _)| *b == bu) {
                Some((_, _, rid)) => held.push(rid.clone()),
                None => {
                    return Err((
                        format!("{up}.roles[{j}]"),
                        format!("role {key:?} has no copy in the user's business unit {bu}"),
                    ))
                }
            }
        }
        let is_app = u.application_id.is_some();
        let fullname = u.fullname.clone().unwrap_or_else(|| match (person, sp) {
            (Some(p), _) => p.display_name.clone(),
            (None, Some(sp)) => format!("# {}", sp.display_name),
            _ => "# Application".into(),
        });
        let oid = u
            .azureactivedirectoryobjectid
            .clone()
            .or_else(|| person.map(|p| p.id.clone()))
            .or_else(|| sp.map(|sp| sp.id.clone()))
            .or_else(|| {
                u.application_id
                    .as_ref()
                    .map(|a| det_guid(&format!("sp/{a}")))
            });
        system_users.push(state::SystemUser {
            id,
            fullname,
            domainname: u
                .domainname
                .clone()
                .or_else(|| person.map(|p| p.upn.clone())),
            internalemailaddress: u
                .internalemailaddress
                .clone()
                .or_else(|| person.map(|p| p.upn.clone())),
            azureactivedirectoryobjectid: oid.map(|o| o.to_ascii_lowercase()),
            applicationid: u.application_id.as_ref().map(|a| a.to_ascii_lowercase()),
            accessmode: u.accessmode.unwrap_or(if is_app { 4 } else { 0 }),
            islicensed: u.islicensed.unwrap_or(!is_app),
            isdisabled: u.isdisabled,
            deletedstate: u.deletedstate,
            business_unit: bu,
            roles: held,
        });
    }

    let mut sol_names = HashSet::new();
    let mut solutions = Vec::new();
    for (i, sol) in e.solutions.iter().enumerate() {
        unique(
            &mut sol_names,
            format!("{p}.solutions[{i}].uniquename"),
            "solution",
            &sol.uniquename,
        )?;
        solutions.push(state::Solution {
            id: sol
                .id
                .clone()
                .unwrap_or_else(|| det_guid(&format!("{seed}/solution/{}", sol.uniquename))),
            uniquename: sol.uniquename.clone(),
            friendlyname: sol.friendlyname.clone(),
            version: sol.version.clone(),
            ismanaged: sol.ismanaged,
        });
    }
    let mut app_names = HashSet::new();
    let mut app_modules = Vec::new();
    for (i, a) in e.app_modules.iter().enumerate() {
        unique(
            &mut app_names,
            format!("{p}.app_modules[{i}].uniquename"),
            "app module",
            &a.uniquename,
        )?;
        app_modules.push(state::AppModule {
            id: a
                .id
                .clone()
                .unwrap_or_else(|| det_guid(&format!("{seed}/appmodule/{}", a.uniquename))),
            name: a.name.clone(),
            uniquename: a.uniquename.clone(),
            url: a.url.clone(),
        });
    }

    Ok(state::Environment {
        id,
        organization_id: organization_id.to_ascii_lowercase(),
        unique_name: e.unique_name.clone(),
        url_name: e
            .url_name
            .clone()
            .unwrap_or_else(|| host.split('.').next().unwrap_or_default().to_string()),
        friendly_name: e.friendly_name.clone(),
        host,
        region: e.region.clone(),
        state: e.state,
        version: e.version.clone(),
        purpose: e.purpose.clone(),
        organization_type: e.organization_type,
        schema_type: e.schema_type.clone(),
        last_updated: e.last_updated.clone(),
        allow_role_assignment_on_disabled_users: e.allow_role_assignment_on_disabled_users,
        business_units: e
            .business_units
            .iter()
            .map(|b| state::BusinessUnit {
                id: b.id.to_ascii_lowercase(),
                name: b.name.clone(),
                parent: b.parent.as_ref().map(|x| x.to_ascii_lowercase()),
            })
            .collect(),
        roles,
        system_users,
        solutions,
        app_modules,
    })
}
