//! OData plumbing shared by discovery, Dataverse and Graph: standard headers, safe literals,
//! paging, and reading a JSON answer only after its status was checked.

use crate::error::ApiError;
use crate::http::{self, HttpClient, HttpRequest, HttpResponse, Method};
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// Page size asked for with `Prefer: odata.maxpagesize`.
pub const PAGE_SIZE: u32 = 500;

/// Most pages one listing may take (50,000 rows at [`PAGE_SIZE`]): past it the listing fails
/// with [`ApiError::TooManyPages`] instead of looping on a `@odata.nextLink` that never ends,
/// or quietly showing part of a list as if it were all of it.
pub const MAX_PAGES: u32 = 100;

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
///
/// The link must stay on the origin the original request went to: the request carries that
/// resource's token, so a link elsewhere is refused ([`ApiError::ForeignNextLink`]) and nothing
/// is sent. A link that is a path (`/api/…`) is taken on the original's origin.
pub fn next_page(original: &HttpRequest, next_link: &str) -> Result<HttpRequest, ApiError> {
    let expected = http::origin_of(&original.url).unwrap_or_default();
    let url = if next_link.starts_with('/') && !next_link.starts_with("//") {
        format!("{expected}{next_link}")
    } else {
        next_link.to_owned()
    };
    match http::origin_of(&url) {
        Some(found) if !expected.is_empty() && found == expected => Ok(HttpRequest {
            url,
            ..original.clone()
        }),
        found => Err(ApiError::ForeignNextLink {
            host: found.unwrap_or_else(|| excerpt_of(next_link)),
            expected,
        }),
    }
}

/// Refuses page number `page` (1-based) past [`MAX_PAGES`].
pub fn check_page(page: u32) -> Result<(), ApiError> {
    if page > MAX_PAGES {
        return Err(ApiError::TooManyPages { pages: MAX_PAGES });
    }
    Ok(())
}

/// Sends a paged GET and collects every row, following `@odata.nextLink` on the same origin
/// for at most [`MAX_PAGES`] pages.
pub async fn collect_pages<T: DeserializeOwned>(
    client: &impl HttpClient,
    first: HttpRequest,
) -> Result<Vec<T>, ApiError> {
    let mut req = first.clone();
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        pages += 1;
        check_page(pages)?;
        let resp = client.send(req).await?;
        let Page { value, next_link } = read_page::<T>(&resp)?;
        all.extend(value);
        match next_link {
            Some(next) => req = next_page(&first, &next)?,
            None => return Ok(all),
        }
    }
}

/// A link as shown in a message: its first characters, without control characters.
fn excerpt_of(link: &str) -> String {
    link.chars().filter(|c| !c.is_control()).take(120).collect()
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
    fn a_next_link_is_followed_only_on_the_origin_that_was_asked() {
        let first = get_paged(
            "https://contoso.crm.dynamics.com/api/data/v9.2/roles?$select=name".into(),
            "https://contoso.crm.dynamics.com",
        );
        let next = next_page(
            &first,
            "https://CONTOSO.crm.dynamics.com:443/api/data/v9.2/roles?$skiptoken=2",
        )
        .expect("same origin");
        assert_eq!(next.audience, first.audience);
        assert_eq!(next.headers, first.headers);
        let path = next_page(&first, "/api/data/v9.2/roles?$skiptoken=3").expect("a path");
        assert_eq!(
            path.url,
            "https://contoso.crm.dynamics.com/api/data/v9.2/roles?$skiptoken=3"
        );
        for (link, host) in [
            (
                "https://fabrikam.crm.dynamics.com/api/data/v9.2/roles",
                "https://fabrikam.crm.dynamics.com",
            ),
            (
                "http://contoso.crm.dynamics.com/api/data/v9.2/roles",
                "http://contoso.crm.dynamics.com",
            ),
            (
                "https://contoso.crm.dynamics.com.evil.example/x",
                "https://contoso.crm.dynamics.com.evil.example",
            ),
            (
                "https://contoso.crm.dynamics.com@evil.example/x",
                "https://contoso.crm.dynamics.com@evil.example/x",
            ),
            ("//evil.example/x", "//evil.example/x"),
        ] {
            let err = next_page(&first, link).unwrap_err();
            assert_eq!(
                err,
                ApiError::ForeignNextLink {
                    host: host.into(),
                    expected: "https://contoso.crm.dynamics.com".into()
                },
                "{link}"
            );
            assert!(err.to_string().contains(host), "{err}");
        }
    }

    #[test]
    fn pages_past_the_cap_are_refused() {
        assert_eq!(check_page(MAX_PAGES), Ok(()));
        assert_eq!(
            check_page(MAX_PAGES + 1),
            Err(ApiError::TooManyPages { pages: MAX_PAGES })
        );
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
