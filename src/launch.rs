//! How the page was opened: the browser extension's admin-center button opens it as
//! `index.html?env={EnvironmentId}`, so that environment opens once the admin is signed in.

use w365_core::ids::EnvironmentId;

/// The environment named by `?env=` in the page's address, if any.
pub fn preselected_environment() -> Option<EnvironmentId> {
    let search = web_sys::window()?.location().search().ok()?;
    environment_in_query(&search)
}

/// `env` of a query string (`?env=…&…`), canonical, when it is an EnvironmentId (a GUID,
/// `Default-{GUID}` in any case, or another id of `[A-Za-z0-9._-]`); anything else is ignored,
/// not reported.
pub fn environment_in_query(search: &str) -> Option<EnvironmentId> {
    let value = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("env="))?;
    EnvironmentId::parse(value).ok()
}
