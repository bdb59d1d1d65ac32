//! The tool never runs inside another page's frame: a page that frames it could lay its own
//! content over the tool's buttons and have the admin click through to a write. Hosts should
//! say so with `Content-Security-Policy: frame-ancestors 'none'` (README, "Hosting"); this is
//! the check for hosts that do not, and for browsers that ignore the header.
//!
//! Only MSAL's redirect page (`redirect.html`, a separate page) is ever framed, by MSAL itself
//! on the tool's own origin.

use wasm_bindgen::JsValue;

/// Whether this page is inside a frame (of any origin). When the answer cannot be had, it is
/// taken as framed: refusing to start is the safe side.
pub fn is_framed() -> bool {
    let Some(window) = web_sys::window() else {
        return true;
    };
    match window.top() {
        Ok(Some(top)) => JsValue::from(top) != JsValue::from(window),
        _ => true,
    }
}
