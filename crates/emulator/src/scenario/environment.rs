//! One environment of a scenario, entity by entity: its business units (one root), the roles
//! copied into them, its system users (people and application users, with their roles), its
//! solutions and app modules. Ids left out are derived from names, so a scenario loads the
//! same on every load.

use std::collections::HashSet;

use super::schema::{EnvironmentDef, Scenario};
use super::validate::{check_guid, unique, BuildError};
use crate::ids::{det_guid, is_guid};
use crate::state;

/// GDS documents `EnvironmentId` as a string: a GUID (kept lowercase), the tenant's default
/// environment `Default-{tenant id}`, or any other non-empty text (undocumented shapes, to
/// test a client). A `Default-` id must name this tenant, as Microsoft's does.
/// The environment's id: as given (a GUID lowercased, `Default-{tenant id}`, other text),
/// or derived from `seed`.
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

/// The environment `e` (at JSON path `p`) of scenario `s`.
pub fn build_env(
    s: &Scenario,
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
    let id = environment_id(s, &format!("{p}.id"), e.id.as_deref(), &seed)?;
    let organization_id = e
        .organization_id
        .clone()
        .unwrap_or_else(|| det_guid(&format!("{seed}/org")));
    check_guid(format!("{p}.organization_id"), &organization_id)?;
    let units = business_units(p, e)?;
    let (roles, role_index) = roles(p, &seed, e, &units)?;
    let system_users = system_users(s, p, &seed, e, &units, &role_index)?;
    let solutions = solutions(p, &seed, e)?;
    let app_modules = app_modules(p, &seed, e)?;
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

/// The business units' ids (checked, unique, lowercase) and the root's.
struct Units {
    ids: HashSet<String>,
    root: String,
}

/// Business units: unique GUIDs, exactly one root, parents that exist.
fn business_units(p: &str, e: &EnvironmentDef) -> Result<Units, BuildError> {
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

    Ok(Units {
        ids: bu_ids,
        root: root_bu,
    })
}

/// (role key, business unit, role id) for every copy of every role.
type RoleIndex = Vec<(String, String, String)>;

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
                    if !units.ids.contains(&b.to_ascii_lowercase()) {
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
        let first_bu = if bus.contains(&units.root) {
            units.root.clone()
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

    Ok((roles, role_index))
}

/// System users: a person of the directory, an application user (by app id) or an object id.
fn system_users(
    s: &Scenario,
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
            Some(b) => {
                if !units.ids.contains(&b.to_ascii_lowercase()) {
                    return Err((
                        format!("{up}.business_unit"),
                        format!("unknown business unit {b:?}"),
                    ));
                }
                b.to_ascii_lowercase()
            }
            None => units.root.clone(),
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

    Ok(app_modules)
}
