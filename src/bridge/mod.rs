//! Glue to JavaScript. Nothing in here hands a `JsValue` to the rest of the app.
pub mod files;
pub mod msal;
pub mod token_memo;
pub mod token_requests;
