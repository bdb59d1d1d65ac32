//! Entra's errors: the JSON shape of its endpoints, and its timestamps.

use serde_json::json;

use crate::http::{Req, Resp};
use crate::ids::new_guid;

/// An error in Entra's JSON shape; CORS only for a registered origin.
pub fn aad_error(
    req: &Req,
    cors_origin: Option<&str>,
    status: u16,
    error: &str,
    code: u32,
    desc: &str,
) -> Resp {
    let trace = new_guid();
    let corr = req
        .param("client-request-id")
        .or_else(|| req.header("client-request-id").map(str::to_string))
        .unwrap_or_else(new_guid);
    let ts = iso8601(crate::jwt::now());
    let mut resp = Resp::json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {desc} Trace ID: {trace} Correlation ID: {corr} Timestamp: {ts}"),
            "error_codes": [code],
            "timestamp": ts,
            "trace_id": trace,
            "correlation_id": corr,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    );
    if let Some(o) = cors_origin {
        resp = resp
            .header("Access-Control-Allow-Origin", o)
            .header("Vary", "Origin");
    }
    resp
}

/// `YYYY-MM-DD hh:mm:ssZ` for a Unix time.
pub fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}
