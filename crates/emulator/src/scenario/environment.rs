//! One environment of a scenario, entity by entity: its business units (one root), the roles
//! copied into them, its system users (people and application users, with their roles), its
//! solutions and app modules. Ids left out are derived from names, so a scenario loads the
//! same on every load.

use std::collections::HashSet;

use super::schema::EnvironmentDef;
use super::validate::{guid, unique, BuildError};
use crate::ids::{
    AppId, AppModuleId, BusinessUnitId, EnvironmentId, ObjectId, OrganizationId, RoleId,
    SolutionId, SystemUserId, TenantId,
};
use crate::state;

/// GDS documents `EnvironmentId` as a string: a GUID (kept lowercase), the tenant's default
/// environment `Default-{tenant id}`, or any other non-empty text (undocumented shapes, to
/// test a client). A `Default-` id must name this tenant, as Microsoft's does. Without one,
/// the id is derived from `seed`.
fn environment_id(
    tenant: &TenantId,
    path: &str,
    given: Option<&str>,
    seed: &str,
) -> Result<EnvironmentId, BuildError> {
    let Some(id) = given else {
        return Ok(EnvironmentId::derived(seed));
    };
    let Some(parsed) = EnvironmentId::parse(id) else {
        return Err((path.into(), "an environment id cannot be empty".into()));
    };
    let says_default = id
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("Default-"));
    if says_default && parsed.default_of().as_ref() != Some(tenant) {
        return Err((
            path.into(),
            format!(
                "{id:?}: a default environment's id is Default-{{tenant id}}, here Default-{tenant}"
            ),
        ));
    }
    Ok(parsed)
}

/// The environment `e` (at JSON path `p`) of scenario `s`.
/// The directory an environment's system users refer to: the tenant's id, its users and its
/// service principals, already checked.
pub struct Directory<'a> {
    pub tenant: &'a TenantId,
    pub users: &'a [state::User],
    pub service_principals: &'a [state::ServicePrincipal],
}

/// The environment `e` (at JSON path `p`) of a tenant with directory `d`.
pub fn build_env(
    d: &Directory<'_>,
    p: &str,
    e: &EnvironmentDef,
) -> Result<state::Environment, BuildError> {
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
    let id = environment_id(d.tenant, &format!("{p}.id"), e.id.as_deref(), &seed)?;
    let organization_id = match &e.organization_id {
        Some(given) => guid(format!("{p}.organization_id"), given, OrganizationId::parse)?,
        None => OrganizationId::derived(&format!("{seed}/org")),
    };
    let units = business_units(p, e)?;
    let (roles, role_index) = roles(p, &seed, e, &units)?;
    let system_users = system_users(d, p, &seed, e, &units, &role_index)?;
    let solutions = solutions(p, &seed, e)?;
    let app_modules = app_modules(p, &seed, e)?;
    Ok(state::Environment {
        id,
        organization_id,
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
        business_units: units.all,
        roles,
        system_users,
        solutions,
        app_modules,
    })
}

/// The business units, checked, and the root's id.
struct Units {
    all: Vec<state::BusinessUnit>,
    root: BusinessUnitId,
}

impl Units {
    /// The unit `text` names (any case), if there is one.
    fn find(&self, text: &str) -> Option<&BusinessUnitId> {
        self.all.iter().map(|b| &b.id).find(|id| id.is(text))
    }
}

/// Business units: unique GUIDs, exactly one root, parents that exist.
fn business_units(p: &str, e: &EnvironmentDef) -> Result<Units, BuildError> {
    let mut bu_ids = HashSet::new();
    let mut ids = Vec::new();
    for (i, b) in e.business_units.iter().enumerate() {
        ids.push(guid(
            format!("{p}.business_units[{i}].id"),
            &b.id,
            BusinessUnitId::parse,
        )?);
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
    let mut all = Vec::new();
    let mut root = None;
    for (i, (b, id)) in e.business_units.iter().zip(ids).enumerate() {
        let parent = match &b.parent {
            None => {
                root = Some(id.clone());
                None
            }
            Some(parent) => Some(
                BusinessUnitId::parse(parent)
                    .filter(|_| bu_ids.contains(&parent.to_ascii_lowercase()))
                    .ok_or_else(|| {
                        (
                            format!("{p}.business_units[{i}].parent"),
                            format!("unknown business unit {parent:?}"),
                        )
                    })?,
            ),
        };
        all.push(state::BusinessUnit {
            id,
            name: b.name.clone(),
            parent,
        });
    }
    let Some(root) = root else {
        return Err((
            format!("{p}.business_units"),
            "no root business unit".into(),
        ));
    };
    Ok(Units { all, root })
}

/// (role key, business unit, role id) for every copy of every role.
type RoleIndex = Vec<(String, BusinessUnitId, RoleId)>;

/// Roles: one copy per business unit listed (all by default).
fn roles(
    p: &str,
    seed: &str,
    e: &EnvironmentDef,
    units: &Units,
) -> Result<(Vec<state::Role>, RoleIndex), BuildError> {
    let mut roles = Vec::new();
    let mut keys = HashSet::new();
    let mut role_ids = HashSet::new();
    let mut role_index: RoleIndex = Vec::new();
    for (i, r) in e.roles.iter().enumerate() {
        let rp = format!("{p}.roles[{i}]");
        unique(&mut keys, format!("{rp}.key"), "role key", r.key())?;
        let template_id = match &r.template_id {
            Some(t) => Some(guid(format!("{rp}.template_id"), t, RoleId::parse)?),
            None => None,
        };
        let bus: Vec<BusinessUnitId> = match &r.business_units {
            Some(list) => {
                let mut bus = Vec::new();
                for (j, b) in list.iter().enumerate() {
                    let Some(bu) = units.find(b) else {
                        return Err((
                            format!("{rp}.business_units[{j}]"),
                            format!("unknown business unit {b:?}"),
                        ));
                    };
                    bus.push(bu.clone());
                }
                bus
            }
            None => units.all.iter().map(|b| b.id.clone()).collect(),
        };
        if bus.is_empty() {
            return Err((format!("{rp}.business_units"), "no business unit".into()));
        }
        let first_bu = if bus.contains(&units.root) {
            units.root.clone()
        } else {
            bus[0].clone()
        };
        let root_id = match &r.id {
            Some(id) => guid(format!("{rp}.id"), id, RoleId::parse)?,
            None => RoleId::derived(&format!("{seed}/role/{}/{}", r.key(), first_bu)),
        };
        for bu in &bus {
            let id = if *bu == first_bu {
                root_id.clone()
            } else {
                RoleId::derived(&format!("{seed}/role/{}/{}", r.key(), bu))
            };
            unique(&mut role_ids, format!("{rp}.id"), "role id", id.as_str())?;
            role_index.push((r.key().to_string(), bu.clone(), id.clone()));
            roles.push(state::Role {
                id,
                name: r.name.clone(),
                business_unit: bu.clone(),
                template_id: template_id.clone(),
                parent_root_role: root_id.clone(),
                privileges: r.privileges.clone(),
            });
        }
    }

    Ok((roles, role_index))
}

/// System users: a person of the directory, an application user (by app id) or an object id.
fn system_users(
    d: &Directory<'_>,
    p: &str,
    seed: &str,
    e: &EnvironmentDef,
    units: &Units,
    role_index: &RoleIndex,
) -> Result<Vec<state::SystemUser>, BuildError> {
    let mut system_users = Vec::new();
    let mut su_ids = HashSet::new();
    for (i, u) in e.system_users.iter().enumerate() {
        let up = format!("{p}.system_users[{i}]");
        let bu = match &u.business_unit {
            Some(b) => units.find(b).cloned().ok_or_else(|| {
                (
                    format!("{up}.business_unit"),
                    format!("unknown business unit {b:?}"),
                )
            })?,
            None => units.root.clone(),
        };
        let person = match &u.user {
            Some(upn) => Some(
                d.users
                    .iter()
                    .find(|x| x.upn.eq_ignore_ascii_case(upn))
                    .ok_or_else(|| (format!("{up}.user"), format!("unknown user {upn:?}")))?,
            ),
            None => None,
        };
        let application_id = match &u.application_id {
            Some(app) => Some(guid(format!("{up}.application_id"), app, AppId::parse)?),
            None => None,
        };
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
        let sp = application_id
            .as_ref()
            .and_then(|a| d.service_principals.iter().find(|x| &x.app_id == a));
        let id = match &u.id {
            Some(id) => guid(format!("{up}.id"), id, SystemUserId::parse)?,
            None => SystemUserId::derived(&format!("{seed}/systemuser/{i}")),
        };
        unique(
            &mut su_ids,
            format!("{up}.id"),
            "system user id",
            id.as_str(),
        )?;
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
        let oid = match &u.azureactivedirectoryobjectid {
            Some(given) => Some(guid(
                format!("{up}.azureactivedirectoryobjectid"),
                given,
                ObjectId::parse,
            )?),
            None => person
                .map(|p| p.id.clone())
                .or_else(|| sp.map(|sp| sp.id.clone()))
                .or_else(|| {
                    u.application_id
                        .as_ref()
                        .map(|a| ObjectId::derived(&format!("sp/{a}")))
                }),
        };
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
            azureactivedirectoryobjectid: oid,
            applicationid: application_id,
            accessmode: u.accessmode.unwrap_or(if is_app { 4 } else { 0 }),
            islicensed: u.islicensed.unwrap_or(!is_app),
            isdisabled: u.isdisabled,
            deletedstate: u.deletedstate,
            business_unit: bu,
            roles: held,
        });
    }

    Ok(system_users)
}

fn solutions(p: &str, seed: &str, e: &EnvironmentDef) -> Result<Vec<state::Solution>, BuildError> {
    let mut sol_names = HashSet::new();
    let mut solutions = Vec::new();
    for (i, sol) in e.solutions.iter().enumerate() {
        unique(
            &mut sol_names,
            format!("{p}.solutions[{i}].uniquename"),
            "solution",
            &sol.uniquename,
        )?;
        let id = match &sol.id {
            Some(id) => guid(format!("{p}.solutions[{i}].id"), id, SolutionId::parse)?,
            None => SolutionId::derived(&format!("{seed}/solution/{}", sol.uniquename)),
        };
        solutions.push(state::Solution {
            id,
            uniquename: sol.uniquename.clone(),
            friendlyname: sol.friendlyname.clone(),
            version: sol.version.clone(),
            ismanaged: sol.ismanaged,
        });
    }
    Ok(solutions)
}

fn app_modules(
    p: &str,
    seed: &str,
    e: &EnvironmentDef,
) -> Result<Vec<state::AppModule>, BuildError> {
    let mut app_names = HashSet::new();
    let mut app_modules = Vec::new();
    for (i, a) in e.app_modules.iter().enumerate() {
        unique(
            &mut app_names,
            format!("{p}.app_modules[{i}].uniquename"),
            "app module",
            &a.uniquename,
        )?;
        let id = match &a.id {
            Some(id) => guid(format!("{p}.app_modules[{i}].id"), id, AppModuleId::parse)?,
            None => AppModuleId::derived(&format!("{seed}/appmodule/{}", a.uniquename)),
        };
        app_modules.push(state::AppModule {
            id,
            name: a.name.clone(),
            uniquename: a.uniquename.clone(),
            url: a.url.clone(),
        });
    }

    Ok(app_modules)
}
