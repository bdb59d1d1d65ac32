//! The core's HTTP seam, implemented with the browser's `fetch` (gloo-net).
//!
//! The core says which resource a request is for (`audience`); this is the one
//! place that turns that into a token, so tokens never travel through the core. It is also
//! where an answer is first met, so it refuses what must not happen: a token sent to another
//! origin than its resource's, a body larger than [`MAX_RESPONSE_BYTES`] (refused from its
//! `Content-Length` before it is read, else while reading), a fetch left running after its
//! caller gave up (dropping the future aborts it: the driver drops a request on timeout and
//! on cancel).

use gloo_net::http::{Method as FetchMethod, RequestBuilder};
use js_sys::{Reflect, Uint8Array};
use w365_core::cloud::CloudEndpoints;
use w365_core::http::{
    check_origin, BodyLimit, HttpClient, HttpRequest, HttpResponse, Method, TransportError,
    MAX_RESPONSE_BYTES,
};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

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

/// Aborts the fetch when dropped before [`AbortOnDrop::disarm`]: a request its caller gave up
/// on (timed out, cancelled) stops at once instead of running on in the background.
struct AbortOnDrop(Option<web_sys::AbortController>);

impl AbortOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

impl HttpClient for BrowserTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        // Before any token is asked for: a token only ever goes to its own resource.
        check_origin(&request)?;
        let method = match request.method {
            Method::Get => FetchMethod::GET,
            Method::Post => FetchMethod::POST,
            Method::Patch => FetchMethod::PATCH,
            Method::Delete => FetchMethod::DELETE,
        };
        let controller = web_sys::AbortController::new().map_err(js_network)?;
        let mut builder = RequestBuilder::new(&request.url)
            .method(method)
            .abort_signal(Some(&controller.signal()));
        let abort = AbortOnDrop(Some(controller));
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
            builder.body(Uint8Array::from(body.as_slice()))
        }
        .map_err(network)?;
        let response = prepared.send().await.map_err(network)?;
        let headers = response.headers().entries().collect();
        let status = response.status();
        if status == 401 {
            if let Some(audience) = &request.audience {
                // Refused: never hand that token out again, whoever renews it.
                msal::forget_token(&scope_for(&self.endpoints, audience));
            }
        }
        let limit = BodyLimit::new(MAX_RESPONSE_BYTES);
        // Returning here drops `abort`, which stops the download.
        limit.check_declared(response.headers().get("content-length").as_deref())?;
        let body = read_capped(response.body(), limit).await?;
        abort.disarm();
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

/// Reads a response body chunk by chunk, refusing it once it grows past `limit`, so an
/// oversized answer without a (truthful) `Content-Length` is never held whole.
pub async fn read_capped(
    stream: Option<web_sys::ReadableStream>,
    mut limit: BodyLimit,
) -> Result<Vec<u8>, TransportError> {
    let Some(stream) = stream else {
        return Ok(Vec::new());
    };
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut body = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(js_network)?;
        let done = Reflect::get(&chunk, &JsValue::from_str("done"))
            .map_err(js_network)?
            .as_bool()
            .unwrap_or(true);
        if done {
            return Ok(body);
        }
        let value: Uint8Array = Reflect::get(&chunk, &JsValue::from_str("value"))
            .map_err(js_network)?
            .dyn_into()
            .map_err(js_network)?;
        if let Err(too_large) = limit.take(value.length() as usize) {
            // Tell the browser to stop receiving; the caller's abort follows.
            let _ = reader.cancel();
            return Err(too_large);
        }
        let start = body.len();
        body.resize(start + value.length() as usize, 0);
        value.copy_to(&mut body[start..]);
    }
}

fn network(error: gloo_net::Error) -> TransportError {
    TransportError::Network {
        message: error.to_string(),
    }
}

fn js_network(error: JsValue) -> TransportError {
    TransportError::Network {
        message: crate::bridge::js_message(&error)
            .unwrap_or_else(|| "the browser refused the request".into()),
    }
}
