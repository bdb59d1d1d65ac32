//! The tenant from a parsed scenario: its app registrations, users and service principals
//! checked, then each environment (`environment.rs`).

use std::collections::HashSet;

use super::environment::{build_env, Directory};
use super::schema::{Scenario, GUIDE_ADMIN_CONSENT};
use super::validate::{guid, unique, BuildError};
use crate::ids::{det_guid, AppId, ClientId, ObjectId, TenantId};
use crate::state;

/// The live tenant of `s`, or the first thing wrong with it.
pub fn build(s: &Scenario) -> Result<state::Tenant, BuildError> {
    let tenant_id = guid("tenant.id".into(), &s.tenant.id, TenantId::parse)?;
    if s.spa_apps.is_empty() {
        return Err(("spa_apps".into(), "at least one SPA app is needed".into()));
    }
    let mut seen = HashSet::new();
    let mut spa_apps = Vec::new();
    for (i, a) in s.spa_apps.iter().enumerate() {
        let client_id = guid(
            format!("spa_apps[{i}].client_id"),
            &a.client_id,
            ClientId::parse,
        )?;
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
        spa_apps.push(state::SpaApp {
            client_id,
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
        });
    }
    let (mut ids, mut upns) = (HashSet::new(), HashSet::new());
    let mut users = Vec::new();
    for (i, u) in s.users.iter().enumerate() {
        let id = guid(format!("users[{i}].id"), &u.id, ObjectId::parse)?;
        unique(&mut ids, format!("users[{i}].id"), "user id", &u.id)?;
        unique(&mut upns, format!("users[{i}].upn"), "upn", &u.upn)?;
        users.push(state::User {
            id,
            upn: u.upn.clone(),
            display_name: u.display_name.clone(),
        });
    }
    let (mut sp_ids, mut sp_apps) = (HashSet::new(), HashSet::new());
    let mut service_principals = Vec::new();
    for (i, sp) in s.service_principals.iter().enumerate() {
        let id = guid(
            format!("service_principals[{i}].id"),
            &sp.id,
            ObjectId::parse,
        )?;
        let app_id = guid(
            format!("service_principals[{i}].app_id"),
            &sp.app_id,
            AppId::parse,
        )?;
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
        service_principals.push(state::ServicePrincipal {
            app_owner_organization_id: sp
                .app_owner_organization_id
                .clone()
                .unwrap_or_else(|| det_guid(&format!("owner/{}", sp.app_id))),
            id,
            app_id,
            display_name: sp.display_name.clone(),
        });
    }
    let tenant_domain = s.tenant.domain.clone();
    let mut environments = Vec::new();
    let (mut env_ids, mut env_names, mut env_hosts) =
        (HashSet::new(), HashSet::new(), HashSet::new());
    for (ei, e) in s.environments.iter().enumerate() {
        let p = format!("environments[{ei}]");
        let directory = Directory {
            tenant: &tenant_id,
            users: &users,
            service_principals: &service_principals,
        };
        let env = build_env(&directory, &p, e)?;
        unique(
            &mut env_names,
            format!("{p}.unique_name"),
            "unique name",
            &env.unique_name,
        )?;
        unique(
            &mut env_ids,
            format!("{p}.id"),
            "environment id",
            env.id.as_str(),
        )?;
        unique(&mut env_hosts, format!("{p}.host"), "host", &env.host)?;
        environments.push(env);
    }
    Ok(state::Tenant {
        id: tenant_id,
        domain: tenant_domain,
        display_name: s.tenant.display_name.clone(),
        user_consent: s.tenant.user_consent,
        spa_apps,
        users,
        service_principals,
        environments,
    })
}
