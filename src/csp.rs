//! Narrows the page's Content-Security-Policy to the configured cloud.
//!
//! The policy in `index.html` (written by `js/postbuild.mjs`) must allow every
//! https endpoint, because the cloud is only known once `config.json` is read.
//! Once it is, a second policy naming just that cloud's hosts is added; browsers
//! enforce every policy on a page, so from then on a request to any other host is
//! refused by the browser itself, whatever the code asks.

use w365_core::cloud::{origin_of, Cloud};

/// The narrower policy for `cloud`: sign-in, discovery, Graph and its Dataverse hosts.
pub fn policy_for(cloud: &Cloud) -> String {
    let hosts = cloud.allowed_hosts().join(" ");
    let authority = origin_of(&cloud.endpoints().authority);
    // MSAL's ssoSilent loads the sign-in authority in a hidden iframe, which then
    // lands on our own redirect page: both must be frameable.
    format!("connect-src 'self' {hosts}; frame-src 'self' {authority}")
}

/// Adds the narrower policy to `<head>`. Returns false if the page has no head.
pub fn restrict_to(cloud: &Cloud) -> bool {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    let (Some(head), Ok(meta)) = (document.head(), document.create_element("meta")) else {
        return false;
    };
    let policy = policy_for(cloud);
    meta.set_attribute("http-equiv", "Content-Security-Policy")
        .is_ok()
        && meta.set_attribute("content", &policy).is_ok()
        && head.append_child(&meta).is_ok()
}
