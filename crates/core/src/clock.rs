//! Time for the procedure ([`Sleeper`]) and a request raced against it ([`send_within`]): what
//! the driver and a batched round both wait with (`crate::driver` re-exports both).

use crate::http::{HttpClient, HttpRequest, HttpResponse, TransportError};
use futures_util::future::{self, Either};
use futures_util::pin_mut;
use std::future::Future;
use std::time::Duration;

/// Time for the procedure: a clock in milliseconds (any steady origin; the app uses `Date.now()`,
/// since `std::time::Instant` panics on wasm32-unknown-unknown) and a way to wait.
pub trait Sleeper {
    /// Now, in milliseconds.
    fn now_ms(&self) -> u64;
    /// Waits about `d`.
    fn sleep(&self, d: Duration) -> impl Future<Output = ()>;
}

/// Sends `req`, giving up after `timeout_ms` with [`TransportError::Timeout`]. A request that
/// loses the race is dropped, which aborts it in the browser.
pub async fn send_within<C: HttpClient, S: Sleeper>(
    client: &C,
    sleeper: &S,
    req: HttpRequest,
    timeout_ms: u64,
) -> Result<HttpResponse, TransportError> {
    let send = client.send(req);
    let timer = sleeper.sleep(Duration::from_millis(timeout_ms));
    pin_mut!(send, timer);
    match future::select(send, timer).await {
        Either::Left((result, _)) => result,
        Either::Right(((), _)) => Err(TransportError::Timeout {
            after_ms: timeout_ms,
        }),
    }
}
