//! Everything that changes while the emulator runs, one part per service: the tenant
//! (directory and Dataverse environments), sign-in's sessions, the pending faults and the
//! request log. Each handler is given only the parts it uses.

use crate::faults::{Action, Faults};
use crate::http::Req;
use crate::identity::session::IdentityState;
use crate::log::{Arrival, RequestLog, TokenGrant};
use crate::scenario::ScenarioSource;
use crate::state::Tenant;

/// The emulator's mutable state.
#[derive(Debug)]
pub struct World {
    /// The tenant as the scenario set it up and the requests changed it.
    pub tenant: Tenant,
    /// Where the tenant came from (`POST /_emulator/reset` reloads it).
    pub source: ScenarioSource,
    /// Sign-in's sessions, codes, refresh tokens and users' own consents.
    pub identity: IdentityState,
    /// Faults waiting for their requests.
    pub faults: Faults,
    /// Every request to a Microsoft endpoint.
    pub log: RequestLog,
}

impl World {
    /// A freshly loaded tenant: no session, no fault, nothing logged.
    pub fn new(tenant: Tenant, source: ScenarioSource) -> World {
        World {
            tenant,
            source,
            identity: IdentityState::default(),
            faults: Faults::default(),
            log: RequestLog::default(),
        }
    }

    /// A request arrives (`svc_path`: its path under its service): takes the first pending
    /// fault aimed at it and logs it, naming that fault, in one step — under one lock, so that
    /// concurrent requests (a `$batch`'s parts included) get distinct faults. Returns its log
    /// entry's `seq` and the fault.
    pub fn arrive(
        &mut self,
        req: &Req,
        svc_path: &str,
        grant: Option<TokenGrant>,
        arrival: Arrival,
    ) -> (u64, Option<Action>) {
        let fault = self
            .faults
            .take(&req.method, &req.host, svc_path, &req.query);
        let path = if req.query.is_empty() {
            req.path.clone()
        } else {
            format!("{}?{}", req.path, req.query)
        };
        let seq = self.log.open(
            &req.method,
            &req.host_header,
            path,
            fault.as_ref().map(Action::describe),
            grant,
            arrival,
        );
        (seq, fault)
    }
}
