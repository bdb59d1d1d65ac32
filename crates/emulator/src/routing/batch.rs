//! Carrying out a Dataverse `$batch`: each part through the same handlers as a single request,
//! in order, logged and faulted as a request of its own (SCENARIOS.md, "`$batch`").
//!
//! - The `$batch` is admitted as a whole first (environment enabled, its `Authorization`
//!   valid, a caller behind it): refused, the refusal is the whole answer. Each part then
//!   carries the `$batch`'s `Authorization` unless it has its own.
//! - Each part gets its own log entry (`batch`: the `$batch`'s `seq`) and meets the faults
//!   aimed at its own method and path: a status fault answers that part; a latency fault
//!   delays the whole `$batch` (its parts run one after another); a dropped connection drops
//!   the whole `$batch`, since it is one connection (the parts before were carried out).
//! - Without `Prefer: odata.continue-on-error` the `$batch` stops at the first part answered
//!   `4xx`/`5xx` and is answered with that part's status, holding the parts up to it
//!   (documented); with it, every part runs and the answer is `200`.

use std::time::Duration;

use hyper::header::{HeaderMap, HeaderName, HeaderValue};

use crate::dataverse::batch_format::{self, PartRequest};
use crate::faults::{Action, DropWhen};
use crate::http::{Ctx, Req, Resp};
use crate::log::{unix_ms, Arrival};
use crate::served::{DropConnection, Served};

/// Whether `svc_path` (under an environment) is its Web API's `$batch`.
pub fn is_batch(method: &str, svc_path: &str) -> bool {
    method == "POST"
        && crate::odata::WEB_API_ROOTS
            .iter()
            .any(|root| svc_path.strip_prefix(root) == Some("/$batch"))
}

/// The `$batch` logged as `seq`, to environment `env_idx`, carried out.
pub async fn run(
    served: &Served,
    ctx: &Ctx,
    req: &Req,
    env_idx: usize,
    svc_path: &str,
    seq: u64,
    http: &'static str,
) -> Result<Resp, DropConnection> {
    let parts = match batch_format::parse(req.header("content-type"), &req.body) {
        Ok(parts) => parts,
        Err(message) => return Ok(crate::odata::error(400, "0x80060888", &message)),
    };
    {
        let Ok(w) = served.world.lock() else {
            return Err(DropConnection);
        };
        if let Err(refused) = crate::dataverse::admit(&w.tenant, ctx, req, env_idx) {
            return Ok(refused);
        }
    }
    let continue_on_error = req
        .headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim().eq_ignore_ascii_case("odata.continue-on-error"));
    // What the `$batch`'s own path has before the environment's part (`/org/{name}` in
    // custom-base-URL mode): a part's path carries it too.
    let prefix = &req.path[..req.path.len().saturating_sub(svc_path.len())];
    let root = svc_path.trim_end_matches("/$batch");

    let mut answers = Vec::with_capacity(parts.len());
    let mut stopped_with = None;
    for part in parts {
        let answer = match part_request(req, &part, prefix, root) {
            Ok((part_req, part_svc)) => {
                carry_out(served, ctx, &part_req, env_idx, &part_svc, seq, http).await?
            }
            Err(refused) => refused,
        };
        let failed = answer.status >= 400;
        let status = answer.status;
        answers.push(answer);
        if failed && !continue_on_error {
            stopped_with = Some(status);
            break;
        }
    }
    let boundary = format!("batchresponse_{}", crate::ids::new_guid());
    Ok(Resp::new(stopped_with.unwrap_or(200))
        .header(
            "Content-Type",
            format!("multipart/mixed; boundary={boundary}"),
        )
        .header("OData-Version", "4.0")
        .body(batch_format::answer(&boundary, &answers)))
}

/// One part, logged and faulted as a request of its own.
async fn carry_out(
    served: &Served,
    ctx: &Ctx,
    part: &Req,
    env_idx: usize,
    part_svc: &str,
    batch_seq: u64,
    http: &'static str,
) -> Result<Resp, DropConnection> {
    let arrival = Arrival {
        received_ms: unix_ms(),
        http,
        batch: Some(batch_seq),
    };
    let Ok((seq, fault)) = served
        .world
        .lock()
        .map(|mut w| w.arrive(part, part_svc, None, arrival))
    else {
        return Err(DropConnection);
    };
    if let Some(Action::Latency { latency_ms }) = &fault {
        tokio::time::sleep(Duration::from_millis(*latency_ms)).await;
    }
    let Ok(mut w) = served.world.lock() else {
        return Err(DropConnection);
    };
    if matches!(
        fault,
        Some(Action::Drop {
            drop: DropWhen::Before
        })
    ) {
        return Err(DropConnection);
    }
    let resp = match fault.as_ref().and_then(Action::answer) {
        Some(answer) => {
            if fault.as_ref().is_some_and(Action::processed) {
                let _ = crate::dataverse::handle(&mut w.tenant, ctx, part, env_idx, part_svc);
            }
            answer
        }
        None => crate::dataverse::handle(&mut w.tenant, ctx, part, env_idx, part_svc),
    };
    if matches!(
        fault,
        Some(Action::Drop {
            drop: DropWhen::After
        })
    ) {
        return Err(DropConnection);
    }
    w.log.answered(seq, Some(resp.status));
    Ok(resp)
}

/// A part as a request to the same environment (and the path under it), or its answer when
/// it cannot be one.
fn part_request(
    batch: &Req,
    part: &PartRequest,
    prefix: &str,
    root: &str,
) -> Result<(Req, String), Resp> {
    let refuse = |message: &str| crate::odata::error(400, "0x80060888", message);
    let target = part.target.as_str();
    let local = if let Some(rest) = target
        .strip_prefix("https://")
        .or_else(|| target.strip_prefix("http://"))
    {
        let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
        if !host.eq_ignore_ascii_case(&batch.host) {
            return Err(refuse(
                "A part of a $batch must be a request to the same service.",
            ));
        }
        path.to_owned()
    } else if target.starts_with('/') {
        target.to_owned()
    } else {
        format!("{prefix}{root}/{target}")
    };
    let (path, query) = local.split_once('?').unwrap_or((&local, ""));
    let Some(part_svc) = path.strip_prefix(prefix).filter(|p| p.starts_with('/')) else {
        return Err(refuse(
            "A part of a $batch must be a request to the same service.",
        ));
    };
    let mut headers = HeaderMap::new();
    for (k, v) in &part.headers {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(v),
        ) else {
            return Err(refuse("A header of a $batch part is not valid."));
        };
        headers.append(name, value);
    }
    // The `$batch`'s own sign-in applies to its parts (a part may carry its own).
    if !headers.contains_key("authorization") {
        if let Some(auth) = batch.headers.get("authorization") {
            headers.insert("authorization", auth.clone());
        }
    }
    Ok((
        Req {
            method: part.method.clone(),
            host: batch.host.clone(),
            host_header: batch.host_header.clone(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers,
            body: part.body.clone().into(),
        },
        part_svc.to_owned(),
    ))
}
