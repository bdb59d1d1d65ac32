//! Paging: `Prefer: odata.maxpagesize` and `@odata.nextLink` (its `$skiptoken` is a row
//! offset here; Dataverse uses a paging cookie, and clients follow the link as given).

use crate::http::Req;

/// The request's own URL with `$skiptoken` set to `skip`.
pub fn next_link(base: &str, req: &Req, skip: usize) -> String {
    let rel = [
        "/api/data/v9.2/",
        "/api/data/v9.1/",
        "/api/data/v9.0/",
        "/api/discovery/v2.0/",
    ]
    .iter()
    .find_map(|p| req.path.find(p).map(|i| &req.path[i + p.len()..]))
    .unwrap_or_default();
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in req.params().into_iter().filter(|(k, _)| k != "$skiptoken") {
        ser.append_pair(&k, &v);
    }
    ser.append_pair("$skiptoken", &skip.to_string());
    format!("{base}/{rel}?{}", ser.finish())
}

/// `odata.maxpagesize` from a `Prefer` header.
pub fn max_page_size(prefer: Option<&str>) -> Option<usize> {
    prefer?
        .split(',')
        .filter_map(|p| p.trim().strip_prefix("odata.maxpagesize="))
        .find_map(|n| n.trim().parse().ok())
}
