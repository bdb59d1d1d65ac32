//! Static files for the app in custom-base-URL mode, with the response headers of the
//! directory's `_headers` file when it has one (see [`crate::headers_file`]).

use std::path::{Component, Path};

use crate::http::{Req, Resp};

fn content_type(path: &Path) -> &'static str {
    match path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
    {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}

fn not_found() -> Resp {
    Resp::text(404, "text/plain; charset=utf-8", "404 Not Found")
}

/// The file the static hosts read their response headers from; like them, never served.
const HEADERS_FILE: &str = "_headers";

pub fn serve(req: &Req, dir: Option<&Path>, app_config: Option<&Path>) -> Resp {
    let resp = serve_file(req, dir, app_config);
    if resp.status >= 400 {
        return resp;
    }
    // Read per request, as config.json is: a rebuilt dist/ is served as built.
    let rules = dir
        .and_then(|d| std::fs::read_to_string(d.join(HEADERS_FILE)).ok())
        .map(|text| crate::headers_file::parse(&text));
    match rules {
        None => resp,
        Some(Ok(rules)) => crate::headers_file::headers_for(&rules, &req.path)
            .into_iter()
            .fold(resp, |r, (name, value)| r.header(&name, value)),
        // A broken file must not pass silently as "no headers".
        Some(Err(e)) => Resp::text(
            500,
            "text/plain; charset=utf-8",
            format!("{HEADERS_FILE}: {e}"),
        ),
    }
}

fn serve_file(req: &Req, dir: Option<&Path>, app_config: Option<&Path>) -> Resp {
    if req.method != "GET" && req.method != "HEAD" {
        return Resp::text(405, "text/plain; charset=utf-8", "405 Method Not Allowed");
    }
    if req.path == "/config.json" {
        if let Some(cfg) = app_config {
            return match std::fs::read(cfg) {
                Ok(b) => Resp::text(200, "application/json", b).header("Cache-Control", "no-cache"),
                Err(_) => not_found(),
            };
        }
    }
    let Some(dir) = dir else {
        return not_found();
    };
    let rel = req.path.trim_start_matches('/');
    let rel = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    };
    let decoded: String = url::form_urlencoded::parse(format!("p={rel}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let rel_path = Path::new(&decoded);
    if decoded == HEADERS_FILE
        || rel_path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
    {
        return not_found();
    }
    let full = dir.join(rel_path);
    match std::fs::read(&full) {
        Ok(b) => Resp::text(200, content_type(&full), b).header("Cache-Control", "no-cache"),
        Err(_) => not_found(),
    }
}
