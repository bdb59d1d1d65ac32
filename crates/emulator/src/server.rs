//! The HTTPS server: accepts TLS connections and serves them with hyper (HTTP/2 where the
//! client offers it). What a request gets is the caller's business.

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::sync::oneshot;

/// Concurrent HTTP/2 streams per connection (hyper's default is 200).
const MAX_STREAMS: u32 = 2000;

/// Accepts connections until `shutdown` fires, answering each request with `handle`.
pub async fn serve<H, F, E>(
    listener: tokio::net::TcpListener,
    tls: Arc<rustls::ServerConfig>,
    mut shutdown: oneshot::Receiver<()>,
    handle: H,
) where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Result<Response<Full<Bytes>>, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let acceptor = acceptor.clone();
                let handle = handle.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(stream).await else { return };
                    let svc = service_fn(handle);
                    // HTTP/2 where the client offers it (ALPN), as Microsoft's endpoints
                    // do: a browser then multiplexes instead of queueing behind its six
                    // HTTP/1.1 connections per host. One certificate covers every
                    // emulated host on one address, so Chromium coalesces them all onto
                    // one connection; its stream limit is raised so that this one
                    // connection does not cap a tenant's worth of separate servers.
                    let mut builder = auto::Builder::new(TokioExecutor::new());
                    builder.http2().max_concurrent_streams(MAX_STREAMS);
                    let _ = builder.serve_connection(TokioIo::new(tls), svc).await;
                });
            }
        }
    }
}
