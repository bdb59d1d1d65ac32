//! A transport wrapper that reports each request and its status, so the UI can show which
//! write is in flight and which one the service accepted.

use std::rc::Rc;

use w365_core::http::{HttpClient, HttpRequest, HttpResponse, TransportError};

/// One thing seen on the wire.
#[derive(Debug, Clone, Copy)]
pub enum Traffic<'a> {
    /// About to be sent.
    Sent(&'a HttpRequest),
    /// Answered with this status (`None`: no answer, e.g. the connection dropped).
    Answered(&'a HttpRequest, Option<u16>),
}

/// Wraps a client; `observe` sees every request before and after it is sent.
#[derive(Clone)]
pub struct ObservedClient<C> {
    inner: C,
    observe: Rc<dyn Fn(Traffic<'_>)>,
}

impl<C> ObservedClient<C> {
    /// Observes `inner`'s traffic.
    pub fn new(inner: C, observe: impl Fn(Traffic<'_>) + 'static) -> Self {
        Self {
            inner,
            observe: Rc::new(observe),
        }
    }
}

impl<C: HttpClient> HttpClient for ObservedClient<C> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        (self.observe)(Traffic::Sent(&request));
        let result = self.inner.send(request.clone()).await;
        (self.observe)(Traffic::Answered(
            &request,
            result.as_ref().ok().map(|r| r.status),
        ));
        result
    }
}
