//! One access token per resource scope, kept in the page's memory between requests.
//!
//! Why: every request needs its resource's token, and asking MSAL each time is one
//! `acquireTokenSilent` per request (its cache lookup, its event listeners, a promise each way
//! through wasm-bindgen). At 50 environments that was within the noise and was not kept; at
//! 200 it is 1,800–2,400 calls per phase and about 2.2 s of the main thread (BENCHMARKS.md).
//! What the memo must not change, and how it does not:
//! - **Expiry.** A token is handed out only until MSAL itself would stop handing it out:
//!   MSAL's `expiresOn` (returned by the bridge beside the token) minus MSAL's own renewal
//!   offset ([`RENEWAL_OFFSET_MS`], its `tokenRenewalOffsetSeconds` default). After that the
//!   next request asks MSAL, which renews it. A token without an `expiresOn` is not kept.
//! - **Refusal.** A token the service refused (a 401) or that is being renewed is dropped at
//!   once ([`TokenMemo::forget`]); an answer that was on its way while it was dropped is not
//!   kept either ([`TokenMemo::epoch`]), so a refused token is never handed out again.
//! - **Accounts.** Sign-out and every sign-in drop them all: a token never outlives its account.
//! - **Storage.** Nothing here is written anywhere, logged or printable: the memo lives in this
//!   page's memory like MSAL's own `memoryStorage`, and its tokens are not `Debug`.

use std::collections::HashMap;

/// MSAL renews a cached access token this long before it expires (`tokenRenewalOffsetSeconds`,
/// 300 s by default; the bridge does not change it).
pub const RENEWAL_OFFSET_MS: f64 = 300_000.0;

/// Tokens by scope, each with the moment it stops being handed out.
#[derive(Default)]
pub struct TokenMemo {
    tokens: HashMap<String, (String, f64)>,
    epoch: u64,
}

impl TokenMemo {
    /// The token kept for `scope`, while it is still good at `now_ms` (Unix ms).
    pub fn get(&self, scope: &str, now_ms: f64) -> Option<&str> {
        self.tokens
            .get(scope)
            .filter(|(_, until)| now_ms < *until)
            .map(|(token, _)| token.as_str())
    }

    /// Which forgetting this memo has seen: a token asked for before a forget and answered
    /// after it is not kept (it may be the very token that was refused).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// Keeps MSAL's answer for `scope`, asked for at `asked_in` (an [`epoch`](Self::epoch)),
    /// when it expires (Unix ms; 0 when MSAL gave no expiry) later than the renewal offset.
    pub fn keep(&mut self, scope: &str, token: &str, expires_on_ms: f64, asked_in: u64) {
        let until = expires_on_ms - RENEWAL_OFFSET_MS;
        if asked_in != self.epoch || expires_on_ms <= 0.0 || !until.is_finite() {
            return;
        }
        self.tokens
            .insert(scope.to_owned(), (token.to_owned(), until));
    }

    /// Drops the token for `scope` (refused by its service, or being renewed).
    pub fn forget(&mut self, scope: &str) {
        self.tokens.remove(scope);
        self.epoch += 1;
    }

    /// Drops every token (sign-out, a sign-in).
    pub fn forget_all(&mut self) {
        self.tokens.clear();
        self.epoch += 1;
    }
}
