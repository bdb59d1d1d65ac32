//! OData plumbing shared by discovery, Dataverse and Graph: standard headers, safe literals,
//! paging, and reading a JSON answer only after its status was checked.

use crate::error::ApiError;
use crate::http::{HttpRequest, HttpResponse, Method};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Page size asked for with `Prefer: odata.maxpagesize`.
pub const PAGE_SIZE: u32 = 500;

/// The headers every OData request carries.
pub fn standard_headers() -> Vec<(String, String)> {
    vec![
        ("Accept".into(), "application/json".into()),
        ("OData-MaxVersion".into(), "4.0".into()),
        ("OData-Version".into(), "4.0".into()),
    ]
}

/// A GET with the standard headers, for a resource `audience`.
pub fn get(url: String, audience: &str) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url,
        headers: standard_headers(),
        body: None,
        audience: Some(audience.to_owned()),
    }
}

/// A GET that asks for pages of [`PAGE_SIZE`].
pub fn get_paged(url: String, audience: &str) -> HttpRequest {
    let mut r = get(url, audience);
    r.headers
        .push(("Prefer".into(), format!("odata.maxpagesize={PAGE_SIZE}")));
    r
}

/// A request with a JSON body and `Content-Type: application/json`.
pub fn with_json(
    method: Method,
    url: String,
    audience: &str,
    body: &serde_json::Value,
) -> HttpRequest {
    let mut headers = standard_headers();
    headers.push(("Content-Type".into(), "application/json".into()));
    HttpRequest {
        method,
        url,
        headers,
        body: Some(body.to_string().into_bytes()),
        audience: Some(audience.to_owned()),
    }
}

/// A bodiless write (e.g. DELETE) with the standard headers.
pub fn bodiless(method: Method, url: String, audience: &str) -> HttpRequest {
    HttpRequest {
        method,
        url,
        headers: standard_headers(),
        body: None,
        audience: Some(audience.to_owned()),
    }
}

/// Quotes an OData string literal: wraps in `'` and doubles any `'` inside.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Percent-encodes a query option value (OData expressions contain spaces, quotes, `$`...).
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'~'
            | b'('
            | b')'
            | b','
            | b'$'
            | b'='
            | b'/'
            | b':'
            | b'@'
            | b'\''
            | b'*'
            | b'!' => out.push(b as char),
            b' ' => out.push_str("%20"),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Builds `base?k1=v1&k2=v2`, encoding each value.
pub fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    let q: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if q.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", q.join("&"))
    }
}

/// One page of a collection.
#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    /// The rows.
    pub value: Vec<T>,
    /// Where the next page is, if any.
    #[serde(rename = "@odata.nextLink")]
    pub next_link: Option<String>,
}

/// Checks the status, then parses the JSON body; an unexpected body is `Unreadable`, never a panic.
pub fn read_json<T: DeserializeOwned>(resp: &HttpResponse) -> Result<T, ApiError> {
    if !resp.is_success() {
        return Err(ApiError::refused(resp));
    }
    serde_json::from_slice(&resp.body).map_err(|e| ApiError::unreadable(resp, e))
}

/// Reads one page of a collection.
pub fn read_page<T: DeserializeOwned>(resp: &HttpResponse) -> Result<Page<T>, ApiError> {
    read_json(resp)
}

/// Checks that a write succeeded (any 2xx), ignoring the body.
pub fn read_ok(resp: &HttpResponse) -> Result<(), ApiError> {
    if resp.is_success() {
        Ok(())
    } else {
        Err(ApiError::refused(resp))
    }
}

/// The request for the next page, carrying over the original headers and audience.
pub fn next_page(original: &HttpRequest, next_link: &str) -> HttpRequest {
    HttpRequest {
        url: next_link.to_owned(),
        ..original.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_doubles_single_quotes() {
        assert_eq!(quote("O'Brien's role"), "'O''Brien''s role'");
    }

    #[test]
    fn encode_keeps_odata_readable_and_escapes_the_rest() {
        assert_eq!(encode("name eq 'a&b+c#'"), "name%20eq%20'a%26b%2Bc%23'");
    }

    #[test]
    fn read_json_reports_html_as_unreadable() {
        let resp = HttpResponse {
            status: 200,
            headers: vec![],
            body: b"<!DOCTYPE html><p>Sign in".to_vec(),
        };
        let err = read_json::<serde_json::Value>(&resp).unwrap_err();
        assert!(matches!(err, ApiError::Unreadable { .. }), "{err}");
        assert!(err.to_string().contains("<!DOCTYPE"));
    }
}
