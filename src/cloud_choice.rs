//! The cloud the admin chose on the sign-in screen, when `config.json` lets them choose.
//!
//! Kept in sessionStorage (the tab's session, like MSAL's cache), so that a reload signs in
//! to the same cloud without asking again; sign-out forgets it. Only the cloud's key is
//! kept, never anything of the sign-in.

use w365_core::cloud::Cloud;

use crate::run::tab_storage;

/// The sessionStorage key.
pub const KEY: &str = "w365-appuser.cloud";

/// The cloud chosen earlier in this session, if it is still one of `choices`.
pub fn remembered(choices: &[Cloud]) -> Option<Cloud> {
    let key = tab_storage::get(KEY)?;
    choices.iter().find(|c| c.key() == key).cloned()
}

/// Remembers the cloud the admin signed in to (a storage that refuses only costs asking
/// again after a reload).
pub fn remember(cloud: &Cloud) {
    tab_storage::set(KEY, cloud.key());
}

/// Forgets the choice (sign-out).
pub fn forget() {
    tab_storage::remove(KEY);
}
