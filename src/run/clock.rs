//! Time for the procedure in the browser.

use std::future::Future;
use std::time::Duration;

use w365_core::driver::Sleeper;
use wasm_bindgen_futures::JsFuture;

/// `Date.now()` and `setTimeout`: `std::time::Instant` panics on wasm32-unknown-unknown.
#[derive(Debug, Clone, Copy, Default)]
pub struct BrowserClock;

impl Sleeper for BrowserClock {
    fn now_ms(&self) -> u64 {
        now_ms()
    }

    fn sleep(&self, d: Duration) -> impl Future<Output = ()> {
        sleep_ms(d.as_millis().min(i32::MAX as u128) as i32)
    }
}

/// Unix milliseconds.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Resolves after about `ms` milliseconds (a bare `setTimeout`, so no timer crate is needed).
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}
