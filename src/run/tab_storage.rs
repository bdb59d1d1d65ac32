//! The tab's sessionStorage, for the little the tool keeps across a reload: the run record
//! (`store`), the guide's progress (`guide_progress`), the chosen cloud
//! (`crate::cloud_choice`) and the last sign-in's username (`crate::login_hint`). Never a token.
//!
//! A missing, full or blocked storage only costs what a reload would have resumed, so reads
//! give `None` and writes are dropped rather than failing the page.

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The text under `key`, if there is a readable one.
pub fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

/// Keeps `value` under `key`, if the storage takes it.
pub fn set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

/// Forgets `key`.
pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}
