//! A minimal stand-in for the Power Platform admin center (`admin.powerplatform.microsoft.com`):
//! the environment page the browser extension's content script runs on.

use crate::http::Resp;
use crate::state::Tenant;

/// The environment page `/manage/environments/{id}/hub`.
pub fn handle(tenant: &Tenant, path: &str) -> Resp {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    if let ["manage", "environments", id, "hub"] = segs.as_slice() {
        if let Some(env) = tenant.environments.iter().find(|e| e.id.is(id)) {
            let esc = |s: &str| {
                s.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
            };
            let name = esc(&env.friendly_name);
            return Resp::html(
                200,
                // Shaped like the admin center's environment page: a shell header, a
                // breadcrumb, the name as <h1> and a details card. The extension's content
                // script reads only the URL, so none of this is load-bearing for it.
                format!(
                    "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name} | Power Platform admin center</title>\
<style>body{{margin:0;font-family:'Segoe UI',sans-serif;background:#faf9f8;color:#323130}}\
header{{background:#0b556a;color:#fff;padding:.6rem 1rem;font-weight:600}}main{{padding:1rem 2rem}}\
nav{{font-size:.85rem;color:#605e5c}}section{{background:#fff;border:1px solid #edebe9;padding:1rem;max-width:40rem}}\
dt{{font-weight:600}}dd{{margin:0 0 .6rem}}</style></head>\
<body><header>Power Platform admin center</header><main>\
<nav aria-label=\"Breadcrumb\"><a href=\"/manage/environments\">Environments</a> &gt; {name}</nav>\
<h1>{name}</h1><section aria-label=\"Details\"><dl>\
<dt>Environment URL</dt><dd>{host}</dd><dt>Environment ID</dt><dd>{id}</dd><dt>Region</dt><dd>{region}</dd>\
</dl></section></main></body></html>",
                    host = esc(&env.host),
                    id = env.id,
                    region = esc(&env.region),
                ),
            );
        }
    }
    Resp::html(
        404,
        "<!doctype html><title>Not found</title><h1>Environment not found</h1>",
    )
}
