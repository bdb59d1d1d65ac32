//! The cloud the admin chose on the sign-in screen, when `config.json` lets them choose.
//!
//! Kept in sessionStorage (the tab's session, like MSAL's cache), so that a reload signs in
//! to the same cloud without asking again; sign-out forgets it. Only the cloud's key is
//! kept, never anything of the sign-in.

use w365_core::cloud::Cloud;

/// The sessionStorage key.
pub const KEY: &str = "w365-appuser.cloud";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The cloud chosen earlier in this session, if it is still one of `choices`.
pub fn remembered(choices: &[Cloud]) -> Option<Cloud> {
    let key = storage()?.get_item(KEY).ok()??;
    choices.iter().find(|c| c.key() == key).cloned()
}

/// Remembers the cloud the admin signed in to; a full or blocked storage only costs
/// asking again after a reload, so errors are ignored.
pub fn remember(cloud: &Cloud) {
    if let Some(s) = storage() {
        let _ = s.set_item(KEY, cloud.key());
    }
}

/// Forgets the choice (sign-out).
pub fn forget() {
    if let Some(s) = storage() {
        let _ = s.remove_item(KEY);
    }
}
