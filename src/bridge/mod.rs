//! Glue to JavaScript. Nothing in here hands a `JsValue` to the rest of the app.
pub mod files;
pub mod msal;
pub mod token_memo;
pub mod token_requests;

use wasm_bindgen::{JsCast, JsValue};

/// What a rejected promise or a thrown value says: an `Error`'s message, or the value itself
/// when it is a string.
pub fn js_message(value: &JsValue) -> Option<String> {
    value
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| value.as_string())
}
