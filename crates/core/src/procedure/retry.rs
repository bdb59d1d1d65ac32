//! Retry policy: how long a request may take, bounded waits for throttling, capped exponential
//! backoff with jitter seeded per environment.

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
    /// How long a read may take before it is abandoned (and retried as a transient failure).
    #[serde(default = "default_read_timeout_ms")]
    pub read_timeout_ms: u64,
    /// How long a write may take before it is abandoned; its effect is then in doubt, so the
    /// procedure re-reads instead of sending it again.
    #[serde(default = "default_write_timeout_ms")]
    pub write_timeout_ms: u64,
}

/// Reads are small (one page of at most 500 rows): half a minute is far beyond a healthy answer.
fn default_read_timeout_ms() -> u64 {
    30_000
}

/// Writes run Dataverse plug-ins and may queue behind other work; a minute before giving up.
fn default_write_timeout_ms() -> u64 {
    60_000
}

impl RetryPolicy {
    /// How long a request with this method may take.
    pub fn timeout_ms(&self, method: crate::http::Method) -> u64 {
        if method.is_idempotent_read() {
            self.read_timeout_ms
        } else {
            self.write_timeout_ms
        }
    }

    /// The same policy with both timeouts at most `ms` (never longer than they are).
    pub fn with_timeouts_at_most(mut self, ms: u64) -> RetryPolicy {
        self.read_timeout_ms = self.read_timeout_ms.min(ms);
        self.write_timeout_ms = self.write_timeout_ms.min(ms);
        self
    }
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
            read_timeout_ms: default_read_timeout_ms(),
            write_timeout_ms: default_write_timeout_ms(),
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

    /// For one environment's run: the run's seed (one per page load in the app) mixed with the
    /// environment's address, so runs throttled together back off apart, while a run with the
    /// same seed and environment replays the same waits.
    pub fn for_environment(seed: u64, environment_url: &str) -> Jitter {
        // FNV-1a: stable across builds and platforms, unlike std's hasher.
        let mut h: u64 = 0xCBF2_9CE4_8422_2325;
        for b in environment_url
            .trim_end_matches('/')
            .to_ascii_lowercase()
            .bytes()
        {
            h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01B3);
        }
        let mut mixed = Jitter(seed ^ h);
        Jitter(mixed.next())
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

    #[test]
    fn environments_of_one_page_load_back_off_apart_and_each_replays_from_its_seed() {
        let p = RetryPolicy::default();
        let waits = |seed: u64, url: &str| -> Vec<u64> {
            let mut j = Jitter::for_environment(seed, url);
            (1..=6).map(|n| j.backoff_ms(&p, n)).collect()
        };
        let page_load = 0x0123_4567_89AB_CDEF;
        let envs: Vec<String> = (0..50)
            .map(|i| format!("https://org{i}.crm.dynamics.com"))
            .collect();
        let all: Vec<Vec<u64>> = envs.iter().map(|e| waits(page_load, e)).collect();
        // Fifty environments throttled together: their first backoffs are spread, not one value.
        let firsts: std::collections::BTreeSet<u64> = all.iter().map(|w| w[0]).collect();
        assert!(
            firsts.len() > 40,
            "{} distinct first waits of 50",
            firsts.len()
        );
        assert_ne!(all[0], all[1]);
        // The same seed and environment replay the same waits; the address's case and a
        // trailing slash do not matter; another page load gives other waits.
        assert_eq!(waits(page_load, &envs[0]), all[0]);
        assert_eq!(waits(page_load, "https://ORG0.crm.dynamics.com/"), all[0]);
        assert_ne!(waits(page_load ^ 1, &envs[0]), all[0]);
    }

    #[test]
    fn reads_and_writes_have_their_own_timeouts_and_a_knob_only_shortens_them() {
        let p = RetryPolicy::default();
        assert_eq!(p.timeout_ms(crate::http::Method::Get), 30_000);
        assert_eq!(p.timeout_ms(crate::http::Method::Post), 60_000);
        let short = p.clone().with_timeouts_at_most(1_500);
        assert_eq!(
            (short.read_timeout_ms, short.write_timeout_ms),
            (1_500, 1_500)
        );
        let long = p.with_timeouts_at_most(10 * 60_000);
        assert_eq!(
            (long.read_timeout_ms, long.write_timeout_ms),
            (30_000, 60_000)
        );
    }
}
