//! The HTTP seam: plain request and response values and a client trait whose future has no
//! `Send` bound, so the browser (gloo-net on wasm) and native test clients both fit.
//!
//! The core never sees a token: each request names the resource (`audience`) whose token the
//! transport must attach, and the transport asks MSAL for it.

use serde::{Deserialize, Serialize};
use std::future::Future;

/// The HTTP methods the procedure uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// Read.
    Get,
    /// Create or associate.
    Post,
    /// Update.
    Patch,
    /// Disassociate.
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// Whether repeating the request cannot change anything (so it may be retried blindly).
    pub fn is_idempotent_read(self) -> bool {
        matches!(self, Method::Get)
    }
}

impl std::fmt::Display for Method {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpRequest {
    /// The method.
    pub method: Method,
    /// The absolute URL.
    pub url: String,
    /// Headers other than `Authorization`, which the transport adds.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
    /// The resource whose token the transport must attach, e.g. `https://contoso.crm.dynamics.com`.
    pub audience: Option<String>,
}

impl HttpRequest {
    /// The first header with this name, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body as text (lossy), for logs and assertions.
    pub fn body_text(&self) -> Option<String> {
        self.body
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

/// A response as plain data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// All headers as received.
    pub headers: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first header with this name, ignoring case.
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// A response with a JSON body (convenient for fakes and tests).
    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        HttpResponse {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    /// A response with no body.
    pub fn empty(status: u16) -> Self {
        HttpResponse {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header (builder style).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Largest response body the transport reads. Microsoft's answers here are pages of at most
/// [`crate::odata::PAGE_SIZE`] rows (well under a megabyte); anything far bigger is not an
/// answer to what was asked, and reading it whole could exhaust the tab's memory.
pub const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// The request could not be made or no answer arrived. Carries no token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TransportError {
    /// Network failure or connection dropped; the request may or may not have been processed.
    #[error("network error: {message}")]
    Network {
        /// What the transport said.
        message: String,
    },
    /// No answer in time; the request may or may not have been processed.
    #[error("timed out after {after_ms} ms")]
    Timeout {
        /// How long the transport waited.
        after_ms: u64,
    },
    /// The request was aborted (e.g. the page navigated away or the run was cancelled).
    #[error("aborted")]
    Aborted,
    /// The answer's body is larger than [`MAX_RESPONSE_BYTES`]; it was not read whole.
    #[error(
        "the answer is larger than {limit_bytes} bytes (the most this tool reads); it was not read"
    )]
    TooLarge {
        /// The cap.
        limit_bytes: u64,
        /// What `Content-Length` announced, when it did.
        declared_bytes: Option<u64>,
    },
    /// The request's URL is not on its token's resource: it was not sent, so no token went there.
    #[error("refused to send a request for {audience} to {host}")]
    WrongOrigin {
        /// Where the URL points (scheme, host and port, or the URL itself when it has none).
        host: String,
        /// The resource the token would have been for.
        audience: String,
    },
    /// No token could be obtained for the audience without the admin signing in again.
    #[error("sign-in needed for {audience}: {message}")]
    SignInNeeded {
        /// The resource whose token was missing.
        audience: String,
        /// What MSAL said (never a token).
        message: String,
    },
}

/// How much of a response body may still be read: the transport checks `Content-Length` before
/// reading, then counts each chunk, so an oversized answer is refused without being buffered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit {
    limit: u64,
    read: u64,
}

impl BodyLimit {
    /// Allows `limit` bytes.
    pub fn new(limit: u64) -> BodyLimit {
        BodyLimit { limit, read: 0 }
    }

    /// Checks what `Content-Length` announces (absent or unreadable: checked while reading).
    pub fn check_declared(&self, content_length: Option<&str>) -> Result<(), TransportError> {
        match content_length.and_then(|v| v.trim().parse::<u64>().ok()) {
            Some(n) if n > self.limit => Err(TransportError::TooLarge {
                limit_bytes: self.limit,
                declared_bytes: Some(n),
            }),
            _ => Ok(()),
        }
    }

    /// Counts one chunk; refuses the one that goes past the limit.
    pub fn take(&mut self, chunk_len: usize) -> Result<(), TransportError> {
        self.read = self.read.saturating_add(chunk_len as u64);
        if self.read > self.limit {
            return Err(TransportError::TooLarge {
                limit_bytes: self.limit,
                declared_bytes: None,
            });
        }
        Ok(())
    }
}

/// The origin of an absolute `https`/`http` URL (`scheme://host[:port]`, host in lower case,
/// the scheme's default port left out), or `None` when the URL is not one this tool sends to.
///
/// Stricter than a browser's parser on purpose: anything a browser might read differently
/// (user info, backslashes, percent-escapes, white space or control characters in the
/// authority) is `None`, so a caller comparing origins refuses it instead of guessing.
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => "443",
        "http" => "80",
        _ => return None,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']');
    if authority.is_empty() || !authority.chars().all(allowed) {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let (host, port) = match authority.rsplit_once(':') {
        // An IPv6 literal without a port: its colons are the address's.
        Some((h, _)) if h.contains(':') && !h.ends_with(']') => (authority.as_str(), None),
        Some((h, p)) => (h, Some(p.parse::<u16>().ok()?)),
        None => (authority.as_str(), None),
    };
    if host.is_empty() || host.starts_with('.') || host.ends_with('.') {
        return None;
    }
    match port {
        Some(p) if p.to_string() != default_port => Some(format!("{scheme}://{host}:{p}")),
        _ => Some(format!("{scheme}://{host}")),
    }
}

/// Whether two absolute URLs share an origin (both must parse under [`origin_of`]).
pub fn same_origin(a: &str, b: &str) -> bool {
    matches!((origin_of(a), origin_of(b)), (Some(x), Some(y)) if x == y)
}

/// Refuses a request whose URL is not on the origin of the resource its token is for, so a
/// token only ever travels to its own resource. Requests without an audience pass.
pub fn check_origin(req: &HttpRequest) -> Result<(), TransportError> {
    let Some(audience) = req.audience.as_deref() else {
        return Ok(());
    };
    if same_origin(&req.url, audience) {
        return Ok(());
    }
    Err(TransportError::WrongOrigin {
        host: origin_of(&req.url).unwrap_or_else(|| req.url.chars().take(200).collect()),
        audience: audience.to_owned(),
    })
}

/// Sends requests. No `Send` bound: the browser's fetch futures are not `Send`.
pub trait HttpClient {
    /// Sends one request and returns the answer, whatever its status.
    fn send(
        &self,
        req: HttpRequest,
    ) -> impl std::future::Future<Output = Result<HttpResponse, TransportError>>;
}

impl<T: HttpClient + ?Sized> HttpClient for &T {
    fn send(&self, req: HttpRequest) -> impl Future<Output = Result<HttpResponse, TransportError>> {
        (**self).send(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_compare_scheme_host_and_port_and_refuse_what_a_browser_might_read_otherwise() {
        let o = |u: &str| origin_of(u);
        assert_eq!(
            o("https://Contoso.CRM.dynamics.com/api/data/v9.2/roles?$x=1").as_deref(),
            Some("https://contoso.crm.dynamics.com")
        );
        assert_eq!(
            o("https://h.example:443/x").as_deref(),
            Some("https://h.example")
        );
        assert_eq!(
            o("https://127.0.0.1:8443/org/x").as_deref(),
            Some("https://127.0.0.1:8443")
        );
        assert_eq!(
            o("https://[::1]:8443/").as_deref(),
            Some("https://[::1]:8443")
        );
        assert_eq!(o("http://h.example/x").as_deref(), Some("http://h.example"));
        for bad in [
            "https://good.example@evil.example/",
            "https://evil.example\\@good.example/",
            "https://%65vil.example/",
            "https://evil .example/",
            "https://evil.example:99999/",
            "https://evil.example./",
            "https:///x",
            "//evil.example/x",
            "/api/data",
            "javascript:alert(1)",
            "ftp://h.example/",
        ] {
            assert_eq!(o(bad), None, "{bad}");
        }
        assert!(same_origin("https://a.example/x", "https://A.example:443"));
        assert!(!same_origin("https://a.example/x", "http://a.example/x"));
        assert!(!same_origin(
            "https://a.example/x",
            "https://a.example.evil.example/x"
        ));
        assert!(
            !same_origin("bad", "bad"),
            "two unreadable URLs are not one origin"
        );
    }

    #[test]
    fn a_token_is_only_sent_to_its_own_resource() {
        let req = |url: &str, audience: Option<&str>| HttpRequest {
            method: Method::Get,
            url: url.into(),
            headers: Vec::new(),
            body: None,
            audience: audience.map(str::to_owned),
        };
        let org = "https://contoso.crm.dynamics.com";
        assert_eq!(
            check_origin(&req(&format!("{org}/api/data/v9.2/WhoAmI"), Some(org))),
            Ok(())
        );
        assert_eq!(
            check_origin(&req("https://anywhere.example/", None)),
            Ok(())
        );
        assert_eq!(
            check_origin(&req("https://evil.example/api", Some(org))),
            Err(TransportError::WrongOrigin {
                host: "https://evil.example".into(),
                audience: org.into()
            })
        );
    }

    #[test]
    fn a_body_is_refused_from_its_content_length_or_as_soon_as_it_grows_past_the_limit() {
        let limit = BodyLimit::new(10);
        assert_eq!(limit.check_declared(Some("10")), Ok(()));
        assert_eq!(limit.check_declared(None), Ok(()));
        assert_eq!(
            limit.check_declared(Some("not a number")),
            Ok(()),
            "checked while reading"
        );
        assert_eq!(
            limit.check_declared(Some(" 11 ")),
            Err(TransportError::TooLarge {
                limit_bytes: 10,
                declared_bytes: Some(11)
            })
        );
        let mut reading = BodyLimit::new(10);
        assert_eq!(reading.take(6), Ok(()));
        assert_eq!(reading.take(4), Ok(()));
        assert_eq!(
            reading.take(1),
            Err(TransportError::TooLarge {
                limit_bytes: 10,
                declared_bytes: None
            })
        );
        const {
            assert!(
                MAX_RESPONSE_BYTES >= 4 * 1024 * 1024,
                "a full page of rows fits"
            )
        };
    }
}
