//! How the page was opened: the browser extension's admin-center button opens it as
//! `index.html?env={EnvironmentId}`, so that environment opens once the admin is signed in.

/// The environment named by `?env=` in the page's address, if any.
pub fn preselected_environment() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    environment_in_query(&search)
}

/// `env` of a query string (`?env=…&…`), when it looks like an EnvironmentId (GUID,
/// optionally `Default-` prefixed); anything else is ignored, not reported.
pub fn environment_in_query(search: &str) -> Option<String> {
    let value = search
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("env="))?;
    let guid = value.strip_prefix("Default-").unwrap_or(value);
    let shape = guid.len() == 36
        && guid.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    shape.then(|| value.to_owned())
}
