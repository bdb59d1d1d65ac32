//! The run record: what was found, decided, written and proven, per environment. Never a token.
//! Serialises to JSON (for sessionStorage and download) and renders as Markdown
//! ([`crate::markdown`]). Each environment's part is filled by its procedure.

use serde::{Deserialize, Serialize};

use crate::ids::TenantId;
pub use crate::procedure::environment_run::{
    Confirmation, EnvironmentRun, Stage, UnexpectedInput, WaitRecord, WireRecord, WriteRecord,
};
pub use crate::procedure::EnvironmentRef;

/// Bumped whenever the record's shape changes incompatibly.
pub const SCHEMA_VERSION: u32 = 1;

/// Who ran it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operator {
    /// Sign-in name, e.g. `admin@contoso.onmicrosoft.com`.
    pub upn: String,
    /// Tenant.
    pub tenant_id: Option<TenantId>,
}

/// A whole run over one or more environments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Tool name and version.
    pub tool: String,
    /// Who ran it.
    pub operator: Operator,
    /// Cloud key (`public`, `gcc-high`, ...).
    pub cloud: String,
    /// Start (caller's clock, ms; the app passes Unix milliseconds).
    pub started_at_ms: u64,
    /// End.
    pub finished_at_ms: Option<u64>,
    /// Per environment.
    pub environments: Vec<EnvironmentRun>,
}

impl RunRecord {
    /// An empty record.
    pub fn new(operator: Operator, cloud: &str, started_at_ms: u64) -> RunRecord {
        RunRecord {
            schema_version: SCHEMA_VERSION,
            tool: concat!("w365-appuser ", env!("CARGO_PKG_VERSION")).into(),
            operator,
            cloud: cloud.into(),
            started_at_ms,
            finished_at_ms: None,
            environments: Vec::new(),
        }
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// Reads a stored record back.
    pub fn from_json(s: &str) -> Result<RunRecord, serde_json::Error> {
        serde_json::from_str(s)
    }
}
