//! Plain request and response values the handlers work on, and the request's mode.

use bytes::Bytes;
use serde_json::Value;

/// A fully read request.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: String,
    /// Host header without port, lower case.
    pub host: String,
    /// Host header as sent (with port).
    pub host_header: String,
    pub path: String,
    pub query: String,
    pub headers: hyper::HeaderMap,
    pub body: Bytes,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Decoded query parameters in order.
    pub fn params(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    pub fn param(&self, name: &str) -> Option<String> {
        self.params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Decoded form body parameters.
    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    pub fn origin(&self) -> Option<&str> {
        self.header("origin")
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }
}

/// A response to send.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn new(status: u16) -> Self {
        Resp {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn json(status: u16, v: &Value) -> Self {
        Resp::new(status)
            .header("Content-Type", "application/json; charset=utf-8")
            .body(v.to_string().into_bytes())
    }

    pub fn text(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Resp::new(status)
            .header("Content-Type", content_type)
            .body(body.into())
    }

    pub fn html(status: u16, body: impl Into<Vec<u8>>) -> Self {
        Resp::text(status, "text/html; charset=utf-8", body)
    }

    pub fn redirect(location: &str) -> Self {
        Resp::new(302).header("Location", location)
    }

    pub fn header(mut self, k: &str, v: impl Into<String>) -> Self {
        self.headers.push((k.to_string(), v.into()));
        self
    }

    pub fn body(mut self, b: Vec<u8>) -> Self {
        self.body = b;
        self
    }

    pub fn has_header(&self, k: &str) -> bool {
        self.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(k))
    }
}

/// How the request reached us, which decides every URL we emit.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// `Some("127.0.0.1:PORT")` in custom-base-URL mode, `None` for real host names.
    pub prefix_authority: Option<String>,
    pub port: u16,
    pub token_lifetime_secs: i64,
    /// The cloud whose host name the request used (public in custom-base-URL mode).
    pub cloud: crate::clouds::Cloud,
}

impl Ctx {
    pub fn identity_base(&self) -> String {
        match &self.prefix_authority {
            Some(a) => format!("https://{a}/login"),
            None => format!("https://{}", self.cloud.identity_host()),
        }
    }

    pub fn disco_base(&self) -> String {
        match &self.prefix_authority {
            Some(a) => format!("https://{a}/disco"),
            None => format!("https://{}", self.cloud.discovery_host()),
        }
    }

    pub fn graph_base(&self) -> String {
        match &self.prefix_authority {
            Some(a) => format!("https://{a}/graph"),
            None => format!("https://{}", self.cloud.graph_host()),
        }
    }

    pub fn env_url(&self, env: &crate::state::Environment) -> String {
        match &self.prefix_authority {
            Some(a) => format!("https://{a}/org/{}", env.unique_name),
            None => format!("https://{}", env.host),
        }
    }

    /// The local origins the emulator answers on in custom-base-URL mode.
    pub fn local_authorities(&self) -> [String; 2] {
        [
            format!("127.0.0.1:{}", self.port),
            format!("localhost:{}", self.port),
        ]
    }
}
