//! The core's HTTP seam, implemented with the browser's `fetch` (gloo-net).
//!
//! The core says which resource a request is for (`audience`); this is the one
//! place that turns that into a token, so tokens never travel through the core.

use gloo_net::http::{Method as FetchMethod, RequestBuilder};
use w365_core::cloud::CloudEndpoints;
use w365_core::http::{HttpClient, HttpRequest, HttpResponse, Method, TransportError};

use crate::bridge::msal::{self, AuthErrorKind};

/// Sends the core's requests from the browser with the signed-in admin's tokens.
#[derive(Clone)]
pub struct BrowserTransport {
    endpoints: CloudEndpoints,
}

impl BrowserTransport {
    /// A transport for one cloud's endpoints.
    pub fn new(endpoints: CloudEndpoints) -> Self {
        Self { endpoints }
    }

    async fn bearer(&self, audience: &str) -> Result<String, TransportError> {
        let scope = scope_for(&self.endpoints, audience);
        match msal::acquire_token(&scope).await {
            Ok(token) => Ok(token.bearer()),
            Err(e) if e.kind == AuthErrorKind::Network => Err(TransportError::Network {
                message: format!("sign-in service: {e}"),
            }),
            Err(e) => Err(TransportError::SignInNeeded {
                audience: audience.to_owned(),
                message: e.to_string(),
            }),
        }
    }
}

/// The delegated scope the tool asks for at a resource: Graph needs
/// `Application.Read.All`; Dynamics resources (discovery, every environment) take
/// `user_impersonation`.
pub fn scope_for(endpoints: &CloudEndpoints, audience: &str) -> String {
    let audience = audience.trim_end_matches('/');
    if audience == endpoints.graph.trim_end_matches('/') {
        format!("{audience}/Application.Read.All")
    } else {
        format!("{audience}/user_impersonation")
    }
}

impl HttpClient for BrowserTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match request.method {
            Method::Get => FetchMethod::GET,
            Method::Post => FetchMethod::POST,
            Method::Patch => FetchMethod::PATCH,
            Method::Delete => FetchMethod::DELETE,
        };
        let mut builder = RequestBuilder::new(&request.url).method(method);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(audience) = &request.audience {
            builder = builder.header("Authorization", &self.bearer(audience).await?);
        }
        let body = request.body.unwrap_or_default();
        let prepared = if body.is_empty() {
            builder.build()
        } else {
            builder.body(js_sys::Uint8Array::from(body.as_slice()))
        }
        .map_err(network)?;
        let response = prepared.send().await.map_err(network)?;
        let headers = response.headers().entries().collect();
        let body = response.binary().await.map_err(network)?;
        Ok(HttpResponse {
            status: response.status(),
            headers,
            body,
        })
    }
}

fn network(error: gloo_net::Error) -> TransportError {
    TransportError::Network {
        message: error.to_string(),
    }
}
