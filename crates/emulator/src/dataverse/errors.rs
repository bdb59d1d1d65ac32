//! The answers Dataverse gives whatever was asked: its error shapes and a JSON body.

use serde_json::Value;

use crate::http::Resp;
use crate::ids::det_guid;
use crate::odata::{error, ODataError};
use crate::state::SystemUser;

pub fn bad_request(message: &str) -> Resp {
    error(400, "0x80060888", message)
}

pub fn odata_error(e: ODataError, type_name: &str) -> Resp {
    match e {
        ODataError::Syntax(m) => bad_request(&m),
        ODataError::UnknownProperty(p) => bad_request(&format!(
            "Could not find a property named '{p}' on type 'Microsoft.Dynamics.CRM.{type_name}'."
        )),
    }
}

pub fn not_found(entity: &str, id: &str) -> Resp {
    error(
        404,
        "0x80040217",
        &format!("{entity} With Id = {id} Does Not Exist"),
    )
}

pub fn ok_json(v: &Value) -> Resp {
    Resp::json(200, v)
        .header("Content-Type", "application/json; odata.metadata=minimal")
        .header("OData-Version", "4.0")
}

pub fn missing_privilege(caller: &SystemUser, privilege: &str) -> Resp {
    error(
        403,
        "0x80040220",
        &format!(
            "Principal user (Id={}, type=8, roleCount={}) is missing {privilege} privilege (Id={}) on OTC=8 for entity 'systemuser'.",
            caller.id,
            caller.roles.len(),
            det_guid(&format!("privilege/{privilege}"))
        ),
    )
}
