//! CORS for the Microsoft endpoints and the control plane.

use crate::http::{Req, Resp};

/// Headers Dataverse exposes to scripts.
pub const DATAVERSE_EXPOSE: &str =
    "OData-EntityId, OData-Version, Preference-Applied, Retry-After, Location";

/// Answers a preflight by reflecting the origin and requested headers.
pub fn preflight(req: &Req) -> Resp {
    let mut r = Resp::new(204)
        .header(
            "Access-Control-Allow-Methods",
            "GET, POST, PATCH, PUT, DELETE, OPTIONS",
        )
        .header("Access-Control-Max-Age", "600")
        .header("Vary", "Origin, Access-Control-Request-Headers");
    if let Some(o) = req.origin() {
        r = r.header("Access-Control-Allow-Origin", o);
    }
    if let Some(h) = req.header("access-control-request-headers") {
        r = r.header("Access-Control-Allow-Headers", h);
    }
    r
}

/// Adds `Access-Control-Allow-Origin` (and exposed headers) unless present.
pub fn decorate(req: &Req, mut resp: Resp, expose: Option<&str>) -> Resp {
    if resp.has_header("access-control-allow-origin") {
        return resp;
    }
    if let Some(o) = req.origin() {
        resp = resp
            .header("Access-Control-Allow-Origin", o)
            .header("Vary", "Origin");
        if let Some(e) = expose {
            resp = resp.header("Access-Control-Expose-Headers", e);
        }
    }
    resp
}
