//! Reads: a collection or one row of an entity set, with `$expand` of the N:N between users
//! and roles seen from either side, projected and paged as Dataverse does.

use serde_json::{json, Map, Value};

use super::entities::{self, EntitySet};
use super::errors::{not_found, odata_error, ok_json};
use crate::http::{Req, Resp};
use crate::odata::{self, next_link};
use crate::state::{Environment, SystemUser};

fn expand_roles(env: &Environment, row: &mut Map<String, Value>, q: &odata::Query) {
    let Some(uid) = row
        .get("systemuserid")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    for ex in &q.expand {
        let held: Vec<Value> = env
            .system_user(&uid)
            .map(|u| {
                env.roles_of(u)
                    .map(entities::role_row)
                    .filter(|r| {
                        ex.filter
                            .as_ref()
                            .is_none_or(|f| odata::eval(f, r, true) == odata::Val::Bool(true))
                    })
                    .map(|r| Value::Object(odata::project(&r, ex.select.as_ref(), "roleid")))
                    .collect()
            })
            .unwrap_or_default();
        row.insert(ex.name.clone(), Value::Array(held));
    }
}

/// Expands `roles` on each system user row, or (from a role row) the users holding it: the
/// N:N `systemuserroles_association` seen from either side. A single expand is unpaged
/// (`pa: developer/data-platform/webapi/query/join-tables.md`).
fn expand_holders(env: &Environment, row: &mut Map<String, Value>, q: &odata::Query) {
    let Some(rid) = row
        .get("roleid")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return;
    };
    for ex in &q.expand {
        let held: Vec<Value> = env
            .system_users
            .iter()
            .filter(|u| u.roles.iter().any(|r| r.is(&rid)))
            .map(entities::systemuser_row)
            .filter(|r| {
                ex.filter
                    .as_ref()
                    .is_none_or(|f| odata::eval(f, r, true) == odata::Val::Bool(true))
            })
            .map(|r| Value::Object(odata::project(&r, ex.select.as_ref(), "systemuserid")))
            .collect();
        row.insert(ex.name.clone(), Value::Array(held));
    }
}

fn navs_for(set: &EntitySet) -> Vec<(&'static str, &'static [&'static str])> {
    match set.name {
        "systemusers" => vec![("systemuserroles_association", entities::ROLE_COLUMNS)],
        "roles" => vec![("systemuserroles_association", entities::SYSTEMUSER_COLUMNS)],
        _ => Vec::new(),
    }
}

fn context_url(base: &str, set_path: &str, q: &odata::Query, entity: bool) -> String {
    let mut s = format!("{base}/$metadata#{set_path}");
    if let Some(sel) = &q.select {
        let mut cols = sel.clone();
        for ex in &q.expand {
            cols.push(match &ex.select {
                Some(es) => format!("{}({})", ex.name, es.join(",")),
                None => format!("{}()", ex.name),
            });
        }
        s.push_str(&format!("({})", cols.join(",")));
    }
    if entity {
        s.push_str("/$entity");
    }
    s
}

pub fn collection(
    env: &Environment,
    req: &Req,
    base: &str,
    set: &EntitySet,
    rows: Vec<Map<String, Value>>,
    set_path: &str,
    caller: &SystemUser,
) -> Resp {
    let params = req.params();
    let mut q = match odata::parse_query(&params, set.columns, &navs_for(set)) {
        Ok(q) => q,
        Err(e) => return odata_error(e, set.type_name),
    };
    q.bind_user(caller.id.as_str());
    let max_page = odata::max_page_size(req.header("prefer"));
    let (page, next) = odata::apply(rows, &q, true, set.key, max_page);
    let value: Vec<Value> = page
        .into_iter()
        .map(|mut r| {
            match set.name {
                "systemusers" => expand_roles(env, &mut r, &q),
                "roles" => expand_holders(env, &mut r, &q),
                _ => {}
            }
            let mut out = odata::project(&r, q.select.as_ref(), set.key);
            for ex in &q.expand {
                if let Some(v) = r.get(&ex.name) {
                    out.insert(ex.name.clone(), v.clone());
                }
            }
            Value::Object(out)
        })
        .collect();
    let mut body = json!({
        "@odata.context": context_url(base, set_path, &q, false),
        "value": value,
    });
    if let Some(skip) = next {
        body["@odata.nextLink"] = json!(next_link(base, req, skip));
    }
    let mut resp = ok_json(&body);
    if let Some(m) = max_page {
        resp = resp.header("Preference-Applied", format!("odata.maxpagesize={m}"));
    }
    resp
}

pub fn single(env: &Environment, req: &Req, base: &str, set: &EntitySet, id: &str) -> Resp {
    let params = req.params();
    let q = match odata::parse_query(&params, set.columns, &navs_for(set)) {
        Ok(q) => q,
        Err(e) => return odata_error(e, set.type_name),
    };
    let Some(mut row) = entities::rows(env, set.name).into_iter().find(|r| {
        r.get(set.key)
            .and_then(Value::as_str)
            .is_some_and(|k| k.eq_ignore_ascii_case(id))
    }) else {
        return not_found(set.type_name, id);
    };
    match set.name {
        "systemusers" => expand_roles(env, &mut row, &q),
        "roles" => expand_holders(env, &mut row, &q),
        _ => {}
    }
    let mut out = odata::project(&row, q.select.as_ref(), set.key);
    for ex in &q.expand {
        if let Some(v) = row.get(&ex.name) {
            out.insert(ex.name.clone(), v.clone());
        }
    }
    out.insert(
        "@odata.context".into(),
        json!(context_url(base, set.name, &q, true)),
    );
    ok_json(&Value::Object(out))
}
