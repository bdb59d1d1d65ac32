//! Everything that changes while the emulator runs, one part per service: the tenant
//! (directory and Dataverse environments), sign-in's sessions, the pending faults and the
//! request log. Each handler is given only the parts it uses.

use crate::faults::Faults;
use crate::identity::session::IdentityState;
use crate::log::RequestLog;
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
}
