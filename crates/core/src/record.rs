//! The run record: what was found, decided, written and proven, per environment. Never a token.
//! Serialises to JSON (for sessionStorage and download) and renders as Markdown.

use crate::http::Method;
use crate::ids::{AppId, EnvironmentId, TenantId};
use crate::procedure::assessment::{Assessment, Evidence, Plan};
use crate::procedure::inspection::Inspection;
use crate::procedure::Outcome;
use serde::{Deserialize, Serialize};

/// Bumped whenever the record's shape changes incompatibly.
pub const SCHEMA_VERSION: u32 = 1;

/// Which environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentRef {
    /// Power Platform environment id, when known (from discovery).
    pub id: Option<EnvironmentId>,
    /// Display name.
    pub name: String,
    /// Origin, e.g. `https://contoso.crm.dynamics.com`.
    pub url: String,
}

/// A sequential stage of the procedure; round trips within one stage go out together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// Read-only inspection.
    Inspect,
    /// Creating the application user.
    Create,
    /// Enabling a disabled application user, alone: roles wait for it.
    Enable,
    /// Assigning roles, concurrently.
    Assign,
    /// Reading back.
    Verify,
    /// Undo writes.
    Undo,
}

/// One write as it happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteRecord {
    /// Method.
    pub method: Method,
    /// URL path and query, without the origin.
    pub path: String,
    /// Status, when an answer came.
    pub status: Option<u16>,
    /// What went wrong, if anything (service message or transport error).
    pub error: Option<String>,
    /// When sent (caller's clock, ms).
    pub at_ms: u64,
    /// Time to answer (the round trip this write was part of).
    pub duration_ms: u64,
}

/// An admin's confirmation or choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirmation {
    /// What was confirmed.
    pub what: String,
    /// The answer (`proceed`, `decline`, `confirmed`, `skip`, a data center).
    pub answer: String,
    /// When (caller's clock, ms).
    pub at_ms: u64,
}

/// A wait the procedure asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitRecord {
    /// Why.
    pub reason: String,
    /// How long.
    pub ms: u64,
    /// From when.
    pub at_ms: u64,
}

/// One environment's part of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentRun {
    /// Which environment.
    pub environment: EnvironmentRef,
    /// Preset key.
    pub preset: String,
    /// `setup`, `assess` or `undo`.
    pub mode: String,
    /// The chosen data center's app id.
    pub data_center: Option<AppId>,
    /// Start (caller's clock, ms).
    pub started_at_ms: u64,
    /// End, once done.
    pub finished_at_ms: Option<u64>,
    /// What inspection found.
    pub inspection: Option<Inspection>,
    /// The verdict.
    pub assessment: Option<Assessment>,
    /// The plan (setup or undo).
    pub plan: Option<Plan>,
    /// Every write sent.
    pub writes: Vec<WriteRecord>,
    /// The final read-back.
    pub evidence: Option<Evidence>,
    /// Choices and confirmations.
    pub confirmations: Vec<Confirmation>,
    /// Waits (throttling countdowns, backoff).
    pub waits: Vec<WaitRecord>,
    /// Stages entered, in order.
    pub stages: Vec<Stage>,
    /// Sequential round trips (each may carry several concurrent requests).
    pub round_trips: u32,
    /// Requests sent in total.
    pub requests: u32,
    /// How it ended.
    pub outcome: Option<Outcome>,
}

impl EnvironmentRun {
    /// Writes that the service accepted.
    pub fn successful_writes(&self) -> usize {
        self.writes
            .iter()
            .filter(|w| w.status.is_some_and(|s| (200..300).contains(&s)))
            .count()
    }
}

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

    /// A Markdown report for people, safe to paste: tenant-supplied text cannot become
    /// markup (see [`crate::markdown`]).
    pub fn to_markdown(&self) -> String {
        crate::markdown::report(self)
    }
}
