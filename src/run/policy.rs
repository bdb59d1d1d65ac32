//! The knobs every run on this page shares: the core's retry policy (its request timeouts
//! shortened only by `config.json`'s test-only `"testing"` field) and the seed of the retry
//! jitter, one random value per page load. The core mixes the seed with each environment's
//! address, so fifty environments throttled together do not retry in lock-step, and a run's
//! waits replay given the seed.

use std::cell::Cell;

use w365_core::procedure::retry::RetryPolicy;
use w365_core::procedure::{Mode, Options};

use crate::config::AppConfig;

thread_local! {
    static TEST_TIMEOUT_MS: Cell<Option<u64>> = const { Cell::new(None) };
    static PAGE_SEED: Cell<Option<u64>> = const { Cell::new(None) };
}

/// Takes the configuration's test-only request timeout (once signed in, before any run).
pub fn configure(config: &AppConfig) {
    TEST_TIMEOUT_MS.with(|t| t.set(config.test_request_timeout_ms));
}

/// The retry policy of every request this page sends.
pub fn retry() -> RetryPolicy {
    let policy = RetryPolicy::default();
    match TEST_TIMEOUT_MS.with(Cell::get) {
        Some(ms) => policy.with_timeouts_at_most(ms),
        None => policy,
    }
}

/// This page load's jitter seed: from `crypto.getRandomValues`, drawn once.
pub fn page_seed() -> u64 {
    PAGE_SEED.with(|cell| {
        if let Some(seed) = cell.get() {
            return seed;
        }
        let mut bytes = [0u8; 8];
        let drawn = web_sys::window()
            .and_then(|w| w.crypto().ok())
            .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok())
            .is_some();
        // Without Web Crypto (never in a browser that runs this app), the clock still differs
        // between page loads; the environment's address keeps runs apart within one.
        let seed = if drawn {
            u64::from_le_bytes(bytes)
        } else {
            js_sys::Date::now() as u64
        };
        cell.set(Some(seed));
        seed
    })
}

/// Options for a run the admin watches (plan confirmation and guide on).
pub fn options(mode: Mode) -> Options {
    Options {
        mode,
        // One writer per environment across this origin's tabs.
        write_lock: true,
        retry: retry(),
        seed: page_seed(),
        ..Options::default()
    }
}

/// Options for a run nobody answers step by step (dashboard inspections, batches).
pub fn unattended(mode: Mode) -> Options {
    Options {
        // One writer per environment across this origin's tabs (an inspection never writes).
        write_lock: true,
        retry: retry(),
        seed: page_seed(),
        ..Options::unattended(mode)
    }
}
