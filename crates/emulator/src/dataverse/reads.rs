//! Reads: a collection or one row of an entity set, with `$expand` of the N:N between users
//! and roles seen from either side, projected and paged as Dataverse does.

use serde_json::{json, Map, Value};

use super::entities::{self, EntitySet};
use super::errors::{not_found, odata_error, ok_json};
use crate::http::{Req, Resp};
use crate::odata::{self, next_link};
use crate::state::{Environment, SystemUser};

/// The rows across the N:N `systemuserroles_association` from `row` of `set` — a user's roles,
/// or the users holding a role — and the key they are projected by; `None` for other sets or a
/// row without its key. A single expand is unpaged
/// (`pa: developer/data-platform/webapi/query/join-tables.md`).
fn associated(
    env: &Environment,
    set: &EntitySet,
    row: &Map<String, Value>,
) -> Option<(Vec<Map<String, Value>>, &'static str)> {
    let id = row.get(set.key)?.as_str()?;
    match set.name {
        "systemusers" => {
            let roles = env
                .system_user(id)
                .map(|u| env.roles_of(u).map(entities::role_row).collect())
                .unwrap_or_default();
            Some((roles, "roleid"))
        }
        "roles" => {
            let holders = env
                .system_users
                .iter()
                .filter(|u| u.roles.iter().any(|r| r.is(id)))
                .map(entities::systemuser_row)
                .collect();
            Some((holders, "systemuserid"))
        }
        _ => None,
    }
}

/// `row` as answered: projected on `$select`, with each `$expand`'s related rows (filtered and
/// projected on the expand's own options) beside it.
fn shape(
    env: &Environment,
    set: &EntitySet,
    q: &odata::Query,
    row: &Map<String, Value>,
) -> Map<String, Value> {
    let mut out = odata::project(row, q.select.as_ref(), set.key);
    if let Some((related, key)) = associated(env, set, row) {
        for ex in &q.expand {
            let rows: Vec<Value> = related
                .iter()
                .filter(|r| {
                    ex.filter
                        .as_ref()
                        .is_none_or(|f| odata::eval(f, r, true) == odata::Val::Bool(true))
                })
                .map(|r| Value::Object(odata::project(r, ex.select.as_ref(), key)))
                .collect();
            out.insert(ex.name.clone(), Value::Array(rows));
        }
    }
    out
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
        .map(|r| Value::Object(shape(env, set, &q, &r)))
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
    let Some(row) = entities::rows(env, set.name).into_iter().find(|r| {
        r.get(set.key)
            .and_then(Value::as_str)
            .is_some_and(|k| k.eq_ignore_ascii_case(id))
    }) else {
        return not_found(set.type_name, id);
    };
    let mut out = shape(env, set, &q, &row);
    out.insert(
        "@odata.context".into(),
        json!(context_url(base, set.name, &q, true)),
    );
    ok_json(&Value::Object(out))
}
