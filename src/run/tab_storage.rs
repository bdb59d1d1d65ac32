//! The tab's sessionStorage, for the little the tool keeps across a reload: the run record
//! (`store`), the guide's progress (`guide_progress`), the chosen cloud
//! (`crate::cloud_choice`) and the last sign-in's username (`crate::login_hint`). Never a token.
//!
//! A missing, full or blocked storage only costs what a reload would have resumed: reads give
//! `None`, and [`set`] drops a refused write of those small conveniences. The run record is
//! different (a reload would not offer what it lost), so it writes through [`TabStorage`],
//! whose refusals are reported to the admin (`store`).

use w365_core::session_store::KeyValue;
use wasm_bindgen::JsCast;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The text under `key`, if there is a readable one.
pub fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

/// Keeps `value` under `key`, if the storage takes it. (Not through [`try_set`]: the sign-in
/// screen uses this, and the error's text would only add to its download.)
pub fn set(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

/// Keeps `value` under `key`; `Err` with the browser's reason (e.g. `QuotaExceededError`:
/// sessionStorage's few MiB are shared with MSAL's cache) when it is refused.
pub fn try_set(key: &str, value: &str) -> Result<(), String> {
    let s = storage().ok_or_else(|| "sessionStorage is not available".to_owned())?;
    s.set_item(key, value).map_err(|e| {
        e.dyn_ref::<js_sys::Error>()
            .map(|e| format!("{}: {}", String::from(e.name()), String::from(e.message())))
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "the browser refused the write".into())
    })
}

/// Forgets `key`.
pub fn remove(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// The tab's sessionStorage as the core's [`KeyValue`].
pub struct TabStorage;

impl KeyValue for TabStorage {
    fn get(&self, key: &str) -> Option<String> {
        get(key)
    }

    fn set(&self, key: &str, value: &str) -> Result<(), String> {
        try_set(key, value)
    }

    fn remove(&self, key: &str) {
        remove(key);
    }
}
