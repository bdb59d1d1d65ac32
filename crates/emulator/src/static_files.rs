//! Static files for the app in custom-base-URL mode.

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

pub fn serve(req: &Req, dir: Option<&Path>, app_config: Option<&Path>) -> Resp {
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
    if rel_path
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
