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
    /// No token could be obtained for the audience without the admin signing in again.
    #[error("sign-in needed for {audience}: {message}")]
    SignInNeeded {
        /// The resource whose token was missing.
        audience: String,
        /// What MSAL said (never a token).
        message: String,
    },
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
