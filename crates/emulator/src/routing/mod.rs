//! Every request: to its service by Host header, then path (`target.rs`); around every
//! Microsoft endpoint the latency, the faults, the request log and CORS.

mod batch;
mod target;

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request, Response};

use crate::faults::{Action, DropWhen};
use crate::http::{Ctx, Req, Resp};
use crate::log::{Arrival, TokenGrant};
use crate::world::World;
use target::{classify, Service, Target};

pub use crate::served::{DropConnection, Served};

const MAX_BODY: usize = 8 * 1024 * 1024;

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
    served: Arc<Served>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, DropConnection> {
    let received_ms = crate::log::unix_ms();
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return Ok(to_hyper(crate::odata::error(
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
    let http = match parts.version {
        hyper::Version::HTTP_2 => "2",
        hyper::Version::HTTP_10 => "1.0",
        _ => "1.1",
    };
    let req = Req {
        method: parts.method.as_str().to_ascii_uppercase(),
        host,
        host_header: host_header.clone(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        headers: parts.headers,
        body,
    };
    let settings = &served.settings;
    let (target, authority, cloud) = match served.world.lock() {
        Ok(w) => classify(&w.tenant, settings.port, &req),
        Err(_) => return Err(DropConnection),
    };
    let ctx = Ctx {
        prefix_authority: authority,
        port: settings.port,
        token_lifetime_secs: settings.token_lifetime_secs,
        cloud,
    };
    let (service, svc_path) = match target {
        Target::Control => {
            return Ok(to_hyper(crate::control::handle(
                &served.world,
                settings,
                &req,
                &req.path,
            )))
        }
        Target::Static => {
            return Ok(to_hyper(crate::static_files::serve(
                &req,
                settings.static_dir.as_deref(),
                settings.app_config.as_deref(),
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

    let is_token = service == Service::Identity && svc_path.ends_with("/oauth2/v2.0/token");
    let grant = (is_token && req.method == "POST").then(|| TokenGrant::of(&req, &svc_path));
    let arrival = Arrival {
        received_ms,
        http,
        batch: None,
    };
    let Ok((seq, fault)) = served
        .world
        .lock()
        .map(|mut w| w.arrive(&req, &svc_path, grant, arrival))
    else {
        return Err(DropConnection);
    };
    let set_status = |status: Option<u16>| {
        if let Ok(mut w) = served.world.lock() {
            w.log.answered(seq, status);
        }
    };

    if settings.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(settings.latency_ms)).await;
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
        _ => {}
    }
    if let Some(answer) = fault.as_ref().and_then(Action::answer) {
        let processed = fault.as_ref().is_some_and(Action::processed);
        if processed && req.method != "OPTIONS" {
            match service {
                Service::Dataverse(i) if batch::is_batch(&req.method, &svc_path) => {
                    let _ = batch::run(&served, &ctx, &req, i, &svc_path, seq, http).await;
                }
                _ => {
                    if let Ok(mut w) = served.world.lock() {
                        let _ = dispatch(&mut w, &ctx, &req, &service, &svc_path, seq);
                    }
                }
            }
        }
        let status = answer.status;
        let resp = crate::cors::decorate(&req, answer, expose);
        set_status(Some(status));
        return Ok(to_hyper(resp));
    }

    let resp = if req.method == "OPTIONS" {
        // The token endpoint admits only registered SPA origins, preflight or not.
        let registered = !is_token
            || req.origin().is_some_and(|o| {
                served.world.lock().is_ok_and(|w| {
                    w.tenant.spa_apps.iter().any(|a| {
                        crate::identity::origin_registered(&w.tenant, &ctx, a.client_id.as_str(), o)
                    })
                })
            });
        if registered {
            crate::cors::preflight(&req)
        } else {
            Resp::new(204)
        }
    } else if let (Service::Dataverse(i), true) =
        (&service, batch::is_batch(&req.method, &svc_path))
    {
        batch::run(&served, &ctx, &req, *i, &svc_path, seq, http).await?
    } else {
        let Ok(mut w) = served.world.lock() else {
            return Err(DropConnection);
        };
        dispatch(&mut w, &ctx, &req, &service, &svc_path, seq)
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

/// Hands a request to its service, with only the state that service owns or reads; `seq` is
/// its entry in the request log (a token grant's outcome — whether the verifier matched, the
/// nonce was altered — is added to it there).
fn dispatch(
    w: &mut World,
    ctx: &Ctx,
    req: &Req,
    service: &Service,
    svc_path: &str,
    seq: u64,
) -> Resp {
    match service {
        Service::Identity => {
            let (resp, outcome) =
                crate::identity::handle(&w.tenant, &mut w.identity, ctx, req, svc_path);
            if let Some(outcome) = outcome {
                w.log.granted(seq, outcome);
            }
            resp
        }
        Service::Discovery => crate::discovery::handle(&w.tenant, ctx, req, svc_path),
        Service::Dataverse(i) => crate::dataverse::handle(&mut w.tenant, ctx, req, *i, svc_path),
        Service::Graph => crate::graph::handle(&w.tenant, ctx, req, svc_path),
        Service::Admin => crate::admin_center::handle(&w.tenant, svc_path),
    }
}
