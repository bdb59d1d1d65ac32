//! Where a request goes: by its Host header (every cloud's host names, or the local origin
//! with path prefixes in custom-base-URL mode), then its path.

use crate::clouds::{Cloud, HostRole};
use crate::http::Req;
use crate::state::Tenant;

#[derive(Debug, Clone, PartialEq)]
pub enum Service {
    Identity,
    Discovery,
    Dataverse(usize),
    Graph,
    Admin,
}

pub enum Target {
    Control,
    Static,
    NotFound,
    Microsoft(Service, String),
}

/// Where a request goes, the `127.0.0.1:PORT` authority in custom-base-URL mode, and the cloud
/// its host name belongs to.
pub fn classify(tenant: &Tenant, port: u16, req: &Req) -> (Target, Option<String>, Cloud) {
    if req.path == "/_emulator" || req.path.starts_with("/_emulator/") {
        return (Target::Control, None, Cloud::Public);
    }
    let host = req.host.as_str();
    if host == "127.0.0.1" || host == "localhost" {
        let authority = format!("{host}:{port}");
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
            let idx = tenant
                .environments
                .iter()
                .position(|e| e.unique_name.eq_ignore_ascii_case(name));
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
            let idx = tenant.environments.iter().position(|e| e.host == host);
            match idx {
                Some(i) => Target::Microsoft(Service::Dataverse(i), path),
                None => Target::NotFound,
            }
        }
    };
    (target, None, cloud)
}
