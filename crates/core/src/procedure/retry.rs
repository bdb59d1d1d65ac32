//! Retry policy: bounded waits for throttling, capped exponential backoff with seeded jitter.

use serde::{Deserialize, Serialize};

/// How patient the procedure is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetryPolicy {
    /// Retries of one read after `5xx` or a transport failure.
    pub max_read_retries: u32,
    /// First backoff delay.
    pub base_delay_ms: u64,
    /// Longest backoff delay.
    pub max_delay_ms: u64,
    /// Longest `Retry-After` the procedure waits out; longer ends the run as throttled.
    pub max_throttle_wait_ms: u64,
    /// How many throttling waits one run accepts.
    pub max_throttle_waits: u32,
    /// Wait when a `429` carries no `Retry-After`.
    pub default_throttle_wait_ms: u64,
    /// Rounds of writes before the procedure gives up as making no progress.
    pub max_write_rounds: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_read_retries: 4,
            base_delay_ms: 500,
            max_delay_ms: 8_000,
            max_throttle_wait_ms: 300_000,
            max_throttle_waits: 5,
            default_throttle_wait_ms: 5_000,
            max_write_rounds: 6,
        }
    }
}

/// A small deterministic generator (SplitMix64): the same seed gives the same jitter, so a
/// failing run can be replayed exactly.
#[derive(Debug, Clone)]
pub struct Jitter(u64);

impl Jitter {
    /// From a seed.
    pub fn new(seed: u64) -> Jitter {
        Jitter(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// The backoff before retry number `attempt` (1-based): half the capped exponential delay
    /// plus a random share of the other half, so concurrent runs do not retry in lockstep.
    pub fn backoff_ms(&mut self, policy: &RetryPolicy, attempt: u32) -> u64 {
        let exp = policy
            .base_delay_ms
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(20));
        let capped = exp.min(policy.max_delay_ms);
        let half = capped / 2;
        half + self.next() % (capped - half + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_replays_from_the_seed() {
        let p = RetryPolicy::default();
        let mut a = Jitter::new(7);
        let mut b = Jitter::new(7);
        let xs: Vec<u64> = (1..=8).map(|n| a.backoff_ms(&p, n)).collect();
        let ys: Vec<u64> = (1..=8).map(|n| b.backoff_ms(&p, n)).collect();
        assert_eq!(xs, ys);
        assert!(xs[0] >= 250 && xs[0] <= 500, "{xs:?}");
        assert!(xs.iter().all(|d| *d <= p.max_delay_ms));
        assert!(xs[7] >= p.max_delay_ms / 2);
    }
}
