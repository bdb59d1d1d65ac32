//! Routing by Host header, then path; faults, latency, logging and CORS
//! around every Microsoft endpoint.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};

use crate::clouds::{Cloud, HostRole};
use crate::faults::{Action, DropWhen};
use crate::http::{Ctx, Req, Resp};
use crate::server::{Inner, LogEntry, TokenGrant};

const MAX_BODY: usize = 8 * 1024 * 1024;

/// Returned to hyper to close the connection without an answer.
#[derive(Debug)]
pub struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for DropConnection {}

#[derive(Debug, Clone, PartialEq)]
enum Service {
    Identity,
    Discovery,
    Dataverse(usize),
    Graph,
    Admin,
}

enum Target {
    Control,
    Static,
    NotFound,
    Microsoft(Service, String),
}

/// Where a request goes, the `127.0.0.1:PORT` authority in custom-base-URL mode, and the cloud
/// its host name belongs to.
fn classify(inner: &Inner, req: &Req) -> (Target, Option<String>, Cloud) {
    if req.path == "/_emulator" || req.path.starts_with("/_emulator/") {
        return (Target::Control, None, Cloud::Public);
    }
    let host = req.host.as_str();
    if host == "127.0.0.1" || host == "localhost" {
        let authority = format!("{host}:{}", inner.port);
        let prefixed = |p: &str| -> Option<String> {
            let rest = req.path.strip_prefix(p)?;
            if rest.is_empty() || rest.starts_with('/') {
                Some(if rest.is_empty() {
                    "/".into()
                } else {
                    rest.into()
                })
            } else {
                None
            }
        };
        let target = if let Some(rest) = prefixed("/login") {
            Target::Microsoft(Service::Identity, rest)
        } else if let Some(rest) = prefixed("/disco") {
            Target::Microsoft(Service::Discovery, rest)
        } else if let Some(rest) = prefixed("/graph") {
            Target::Microsoft(Service::Graph, rest)
        } else if let Some(after) = req.path.strip_prefix("/org/") {
            let (name, rest) = match after.find('/') {
                Some(i) => (&after[..i], after[i..].to_string()),
                None => (after, "/".to_string()),
            };
            let idx = inner.shared.lock().ok().and_then(|sh| {
                sh.tenant
                    .environments
                    .iter()
                    .position(|e| e.unique_name.eq_ignore_ascii_case(name))
            });
            match idx {
                Some(i) => Target::Microsoft(Service::Dataverse(i), rest),
                None => Target::NotFound,
            }
        } else {
            Target::Static
        };
        return (target, Some(authority), Cloud::Public);
    }
    let path = req.path.clone();
    if host == "admin.powerplatform.microsoft.com" {
        return (Target::Microsoft(Service::Admin, path), None, Cloud::Public);
    }
    // Every cloud's host names answer here; the one used decides the URLs the answer names.
    let Some((cloud, role)) = crate::clouds::classify(host) else {
        return (Target::NotFound, None, Cloud::Public);
    };
    let target = match role {
        HostRole::Identity => Target::Microsoft(Service::Identity, path),
        HostRole::Discovery => Target::Microsoft(Service::Discovery, path),
        HostRole::Graph => Target::Microsoft(Service::Graph, path),
        HostRole::Environment => {
            let idx = inner
                .shared
                .lock()
                .ok()
                .and_then(|sh| sh.tenant.environments.iter().position(|e| e.host == host));
            match idx {
                Some(i) => Target::Microsoft(Service::Dataverse(i), path),
                None => Target::NotFound,
            }
        }
    };
    (target, None, cloud)
}

fn to_hyper(resp: Resp) -> Response<Full<Bytes>> {
    let mut builder = Response::builder().status(resp.status);
    for (k, v) in &resp.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    builder
        .body(Full::new(Bytes::from(resp.body.clone())))
        .unwrap_or_else(|_| {
            let mut r = Response::new(Full::new(Bytes::from_static(b"invalid response header")));
            *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            r
        })
}

/// Handles one request.
pub async fn route(
    inner: Arc<Inner>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let received_ms = unix_ms();
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Ok(to_hyper(crate::dataverse::handlers::error(
                413,
                "0x80060888",
                "Request body too large or unreadable.",
            )))
        }
    };
    let host_header = parts
        .headers
        .get("host")
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .or_else(|| parts.uri.authority().map(|a| a.to_string()))
        .unwrap_or_default();
    let host = host_header
        .rsplit_once(':')
        .filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit()))
        .map(|(h, _)| h)
        .unwrap_or(&host_header)
        .to_ascii_lowercase();
    let parts_version = parts.version;
    let req = Req {
        method: parts.method.as_str().to_ascii_uppercase(),
        host,
        host_header: host_header.clone(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers: parts.headers,
        body,
    };
    let (target, authority, cloud) = classify(&inner, &req);
    let ctx = Ctx {
        prefix_authority: authority,
        port: inner.port,
        token_lifetime_secs: inner.token_lifetime_secs,
        cloud,
    };
    let (service, svc_path) = match target {
        Target::Control => return Ok(to_hyper(crate::control::handle(&inner, &req, &req.path))),
        Target::Static => {
            return Ok(to_hyper(crate::static_files::serve(
                &req,
                inner.static_dir.as_deref(),
                inner.app_config.as_deref(),
            )))
        }
        Target::NotFound => {
            return Ok(to_hyper(Resp::text(
                404,
                "text/plain; charset=utf-8",
                "404 Not Found",
            )))
        }
        Target::Microsoft(s, p) => (s, p),
    };

    // Log and pick a fault under one lock, so concurrent requests get distinct faults.
    let full_path = if req.query.is_empty() {
        req.path.clone()
    } else {
        format!("{}?{}", req.path, req.query)
    };
    let is_token = service == Service::Identity && svc_path.ends_with("/oauth2/v2.0/token");
    let grant = (is_token && req.method == "POST").then(|| {
        let form = req.form();
        let field = |name: &str| {
            form.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let mut params: Vec<String> = form.iter().map(|(k, _)| k.clone()).collect();
        params.sort();
        params.dedup();
        let given = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        TokenGrant {
            grant_type: field("grant_type"),
            scope: field("scope"),
            params,
            tenant: svc_path
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or_default()
                .to_owned(),
            redirect_uri: given("redirect_uri"),
            client_info: given("client_info"),
            verifier_matched: None,
            nonce_altered: false,
        }
    });
    let (seq, fault) = match inner.shared.lock() {
        Ok(mut sh) => {
            let seq = sh.log.len() as u64 + 1;
            let fault = crate::faults::take(&mut sh.faults, &req.method, &req.host, &svc_path);
            sh.log.push(LogEntry {
                seq,
                method: req.method.clone(),
                host: req.host_header.clone(),
                path: full_path,
                status: None,
                fault: fault.as_ref().map(describe),
                received_ms,
                answered_ms: None,
                http: match parts_version {
                    hyper::Version::HTTP_2 => "2",
                    hyper::Version::HTTP_10 => "1.0",
                    _ => "1.1",
                },
                grant,
            });
            (seq, fault)
        }
        Err(_) => return Err(DropConnection),
    };
    let set_status = |status: Option<u16>| {
        if let Ok(mut sh) = inner.shared.lock() {
            // Entries are never removed (a reset replaces the whole log), so seq n sits at n - 1.
            if let Some(e) = sh.log.get_mut(seq as usize - 1).filter(|e| e.seq == seq) {
                e.status = status;
                e.answered_ms = Some(unix_ms());
            }
        }
    };

    if inner.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(inner.latency_ms)).await;
    }
    let expose = matches!(service, Service::Dataverse(_) | Service::Discovery)
        .then_some(crate::cors::DATAVERSE_EXPOSE);
    match &fault {
        Some(Action::Latency { latency_ms }) => {
            tokio::time::sleep(Duration::from_millis(*latency_ms)).await
        }
        Some(Action::Drop {
            drop: DropWhen::Before,
        }) => return Err(DropConnection),
        Some(Action::Status {
            status,
            headers,
            body,
            content_type,
            processed,
        }) => {
            if *processed && req.method != "OPTIONS" {
                if let Ok(mut sh) = inner.shared.lock() {
                    let _ = dispatch(&mut sh, &ctx, &req, &service, &svc_path, seq);
                }
            }
            let mut resp = Resp::text(
                *status,
                content_type.as_deref().unwrap_or("application/json"),
                body.clone().into_bytes(),
            );
            for (k, v) in headers {
                resp = resp.header(k, v.clone());
            }
            let resp = crate::cors::decorate(&req, resp, expose);
            set_status(Some(*status));
            return Ok(to_hyper(resp));
        }
        _ => {}
    }

    let resp = if req.method == "OPTIONS" {
        // The token endpoint admits only registered SPA origins, preflight or not.
        let registered = !is_token
            || req.origin().is_some_and(|o| {
                inner.shared.lock().is_ok_and(|sh| {
                    sh.tenant
                        .spa_apps
                        .iter()
                        .any(|a| crate::identity::origin_registered(&sh, &ctx, &a.client_id, o))
                })
            });
        if registered {
            crate::cors::preflight(&req)
        } else {
            Resp::new(204)
        }
    } else {
        let Ok(mut sh) = inner.shared.lock() else {
            return Err(DropConnection);
        };
        dispatch(&mut sh, &ctx, &req, &service, &svc_path, seq)
    };
    let resp = if is_token {
        resp
    } else {
        crate::cors::decorate(&req, resp, expose)
    };
    if matches!(
        fault,
        Some(Action::Drop {
            drop: DropWhen::After
        })
    ) {
        return Err(DropConnection);
    }
    set_status(Some(resp.status));
    Ok(to_hyper(resp))
}

/// The service's own answer to a request.
/// Hands a request to its service; `seq` is its entry in the request log (a token grant's
/// outcome — whether the verifier matched, the nonce was altered — is added to it there).
fn dispatch(
    sh: &mut crate::server::Shared,
    ctx: &Ctx,
    req: &Req,
    service: &Service,
    svc_path: &str,
    seq: u64,
) -> Resp {
    match service {
        Service::Identity => {
            sh.last_grant = None;
            let resp = crate::identity::handle(sh, ctx, req, svc_path);
            if let Some(outcome) = sh.last_grant.take() {
                let entry = sh.log.iter_mut().find(|e| e.seq == seq);
                if let Some(grant) = entry.and_then(|e| e.grant.as_mut()) {
                    grant.verifier_matched = outcome.verifier_matched;
                    grant.nonce_altered = outcome.nonce_altered;
                }
            }
            resp
        }
        Service::Discovery => crate::discovery::handle(sh, ctx, req, svc_path),
        Service::Dataverse(i) => crate::dataverse::handle(sh, ctx, req, *i, svc_path),
        Service::Graph => crate::graph::handle(sh, ctx, req, svc_path),
        Service::Admin => admin_center(sh, svc_path),
    }
}

/// Now, as Unix time in milliseconds with sub-millisecond precision.
fn unix_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn describe(a: &Action) -> String {
    match a {
        Action::Status {
            status,
            processed: true,
            ..
        } => format!("status {status} after processing"),
        Action::Status { status, .. } => format!("status {status}"),
        Action::Drop {
            drop: DropWhen::Before,
        } => "drop before".into(),
        Action::Drop {
            drop: DropWhen::After,
        } => "drop after".into(),
        Action::Latency { latency_ms } => format!("latency {latency_ms} ms"),
    }
}

/// A minimal stand-in for the Power Platform admin center's environment page.
fn admin_center(sh: &crate::server::Shared, path: &str) -> Resp {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    if let ["manage", "environments", id, "hub"] = segs.as_slice() {
        if let Some(env) = sh
            .tenant
            .environments
            .iter()
            .find(|e| e.id.eq_ignore_ascii_case(id))
        {
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
