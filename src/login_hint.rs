//! Who signed in last in this tab, so that a reload signs in again without a prompt.
//!
//! Tokens live only in the page's memory (MSAL's `memoryStorage`): a reload loses them. The
//! page then asks Microsoft silently (`ssoSilent`, a hidden iframe carrying the admin's
//! Microsoft session) with this hint — the account's username, never a token — and falls back
//! to the sign-in button when that cannot work (no session, or third-party cookies blocked).
//! Kept in sessionStorage, so it ends with the tab; sign-out forgets it.

use crate::run::tab_storage;

/// The sessionStorage key.
pub const KEY: &str = "w365-appuser.login-hint";

/// The username of this tab's last sign-in, if any.
pub fn remembered() -> Option<String> {
    tab_storage::get(KEY).filter(|hint| looks_like_a_username(hint))
}

/// Remembers the signed-in account's username (a storage that refuses only costs a prompt).
pub fn remember(username: &str) {
    if looks_like_a_username(username) {
        tab_storage::set(KEY, username);
    }
}

/// Forgets it (sign-out).
pub fn forget() {
    tab_storage::remove(KEY);
}

/// A user principal name or e-mail address: short, one `@`, no spaces, nothing token-like.
pub fn looks_like_a_username(text: &str) -> bool {
    text.len() <= 256
        && text.matches('@').count() == 1
        && !text.starts_with('@')
        && !text.ends_with('@')
        && !text.contains(char::is_whitespace)
        && !text.contains(['<', '>', '"', '\''])
}
