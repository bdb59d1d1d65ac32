//! A fake clock for the async driver: tokio's paused time. Sleeps end only when the virtual
//! clock reaches them, and the clock jumps ahead only when nothing else can run, so a request
//! that answers after a yield beats its timeout, and one that never answers loses to it at
//! exactly the timeout. Tests using it run under `#[tokio::test(start_paused = true)]`.

use std::time::Duration;
use tokio::time::Instant;
use w365_core::driver::Sleeper;

/// Milliseconds since the test started, plus an origin so that "0" is never a valid time.
pub struct PausedClock {
    start: Instant,
}

/// Where the clock starts.
pub const ORIGIN_MS: u64 = 1_000_000;

impl PausedClock {
    pub fn new() -> PausedClock {
        PausedClock {
            start: Instant::now(),
        }
    }

    /// Virtual milliseconds since [`PausedClock::new`].
    pub fn elapsed_ms(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }
}

impl Default for PausedClock {
    fn default() -> Self {
        PausedClock::new()
    }
}

impl Sleeper for PausedClock {
    fn now_ms(&self) -> u64 {
        ORIGIN_MS + self.elapsed_ms()
    }

    async fn sleep(&self, d: Duration) {
        tokio::time::sleep(d).await
    }
}
