//! Dataverse entity sets: their columns and how state becomes JSON rows.

use serde_json::{json, Map, Value};

use crate::state::{AppModule, BusinessUnit, Environment, Role, Solution, SystemUser};

pub const SYSTEMUSER_COLUMNS: &[&str] = &[
    "systemuserid",
    "fullname",
    "domainname",
    "internalemailaddress",
    "azureactivedirectoryobjectid",
    "applicationid",
    "accessmode",
    "islicensed",
    "isdisabled",
    "deletedstate",
    "_businessunitid_value",
];
pub const ROLE_COLUMNS: &[&str] = &[
    "roleid",
    "name",
    "_businessunitid_value",
    "_roletemplateid_value",
    "_parentrootroleid_value",
];
pub const BU_COLUMNS: &[&str] = &["businessunitid", "name", "_parentbusinessunitid_value"];
pub const SOLUTION_COLUMNS: &[&str] = &[
    "solutionid",
    "uniquename",
    "friendlyname",
    "version",
    "ismanaged",
];
pub const APPMODULE_COLUMNS: &[&str] = &["appmoduleid", "name", "uniquename", "url"];

/// One entity set: its name, entity type, key and columns.
pub struct EntitySet {
    pub name: &'static str,
    pub type_name: &'static str,
    pub key: &'static str,
    pub columns: &'static [&'static str],
}

pub const SETS: &[EntitySet] = &[
    EntitySet {
        name: "systemusers",
        type_name: "systemuser",
        key: "systemuserid",
        columns: SYSTEMUSER_COLUMNS,
    },
    EntitySet {
        name: "roles",
        type_name: "role",
        key: "roleid",
        columns: ROLE_COLUMNS,
    },
    EntitySet {
        name: "businessunits",
        type_name: "businessunit",
        key: "businessunitid",
        columns: BU_COLUMNS,
    },
    EntitySet {
        name: "solutions",
        type_name: "solution",
        key: "solutionid",
        columns: SOLUTION_COLUMNS,
    },
    EntitySet {
        name: "appmodules",
        type_name: "appmodule",
        key: "appmoduleid",
        columns: APPMODULE_COLUMNS,
    },
];

pub fn set(name: &str) -> Option<&'static EntitySet> {
    SETS.iter().find(|s| s.name == name)
}

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

pub fn systemuser_row(u: &SystemUser) -> Map<String, Value> {
    obj(json!({
        "systemuserid": u.id,
        "fullname": u.fullname,
        "domainname": u.domainname,
        "internalemailaddress": u.internalemailaddress,
        "azureactivedirectoryobjectid": u.azureactivedirectoryobjectid,
        "applicationid": u.applicationid,
        "accessmode": u.accessmode,
        "islicensed": u.islicensed,
        "isdisabled": u.isdisabled,
        "deletedstate": u.deletedstate,
        "_businessunitid_value": u.business_unit,
    }))
}

pub fn role_row(r: &Role) -> Map<String, Value> {
    obj(json!({
        "roleid": r.id,
        "name": r.name,
        "_businessunitid_value": r.business_unit,
        "_roletemplateid_value": r.template_id,
        "_parentrootroleid_value": r.parent_root_role,
    }))
}

pub fn bu_row(b: &BusinessUnit) -> Map<String, Value> {
    obj(json!({
        "businessunitid": b.id,
        "name": b.name,
        "_parentbusinessunitid_value": b.parent,
    }))
}

pub fn solution_row(s: &Solution) -> Map<String, Value> {
    obj(json!({
        "solutionid": s.id,
        "uniquename": s.uniquename,
        "friendlyname": s.friendlyname,
        "version": s.version,
        "ismanaged": s.ismanaged,
    }))
}

pub fn appmodule_row(a: &AppModule) -> Map<String, Value> {
    obj(json!({
        "appmoduleid": a.id,
        "name": a.name,
        "uniquename": a.uniquename,
        "url": a.url,
    }))
}

/// Every row of a set.
pub fn rows(env: &Environment, set: &str) -> Vec<Map<String, Value>> {
    match set {
        "systemusers" => env.system_users.iter().map(systemuser_row).collect(),
        "roles" => env.roles.iter().map(role_row).collect(),
        "businessunits" => env.business_units.iter().map(bu_row).collect(),
        "solutions" => env.solutions.iter().map(solution_row).collect(),
        "appmodules" => env.app_modules.iter().map(appmodule_row).collect(),
        _ => Vec::new(),
    }
}
