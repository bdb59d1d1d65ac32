//! The run record: what was found, decided, written and proven, per environment. Never a token.
//! Serialises to JSON (for sessionStorage and download) and renders as Markdown.

use crate::http::Method;
use crate::ids::{AppId, EnvironmentId, TenantId};
use crate::procedure::assessment::{Assessment, Evidence, Plan};
use crate::procedure::inspection::Inspection;
use crate::procedure::Outcome;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

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

    /// A Markdown report for people.
    pub fn to_markdown(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "# Application user run\n");
        let _ = writeln!(md, "- Tool: {}", self.tool);
        let _ = writeln!(md, "- Run by: {}", self.operator.upn);
        if let Some(t) = &self.operator.tenant_id {
            let _ = writeln!(md, "- Tenant: {t}");
        }
        let _ = writeln!(md, "- Cloud: {}", self.cloud);
        let _ = writeln!(md, "- Started: {} ms", self.started_at_ms);
        let _ = writeln!(md, "- Schema version: {}\n", self.schema_version);
        for env in &self.environments {
            let _ = writeln!(
                md,
                "## {} ({})\n",
                env.environment.name, env.environment.url
            );
            if let Some(a) = &env.data_center {
                let _ = writeln!(md, "- Application id: {a}");
            }
            let _ = writeln!(md, "- Mode: {}", env.mode);
            if let Some(p) = env.inspection.as_ref().and_then(|i| i.product.as_ref()) {
                let from = p
                    .source()
                    .map(|s| format!(", read from {s}"))
                    .unwrap_or_default();
                let _ = writeln!(md, "- {}: {}{from}", p.product, p.summary());
                if let Some(note) = p.note() {
                    let _ = writeln!(md, "- Note: {note}");
                }
            }
            if let Some(a) = &env.assessment {
                let _ = writeln!(md, "- Assessment: {}", a.summary());
                if let Some(r) = a.remedy() {
                    let _ = writeln!(md, "- Remedy: {}", r.text());
                }
            }
            if let Some(o) = &env.outcome {
                let _ = writeln!(md, "- Outcome: {}", o.summary());
            }
            let _ = writeln!(
                md,
                "- Round trips: {}, requests: {}",
                env.round_trips, env.requests
            );
            if let Some(plan) = env.plan.as_ref().filter(|p| !p.steps.is_empty()) {
                let _ = writeln!(md, "\n### Plan\n");
                for (i, s) in plan.steps.iter().enumerate() {
                    let _ = writeln!(md, "{}. {}", i + 1, s.reason());
                }
            }
            if !env.writes.is_empty() {
                let _ = writeln!(
                    md,
                    "\n### Writes\n\n| method | path | status | ms |\n|---|---|---|---|"
                );
                for w in &env.writes {
                    let status = w
                        .status
                        .map_or_else(|| w.error.clone().unwrap_or_default(), |s| s.to_string());
                    let _ = writeln!(
                        md,
                        "| {} | `{}` | {} | {} |",
                        w.method, w.path, status, w.duration_ms
                    );
                }
            }
            if let Some(e) = &env.evidence {
                let _ = writeln!(md, "\n### Evidence\n");
                let _ = writeln!(md, "- User: {} (app {})", e.user_id, e.app_id);
                let bu = e
                    .business_unit_name
                    .clone()
                    .or_else(|| e.business_unit_id.as_ref().map(ToString::to_string))
                    .unwrap_or_default();
                let _ = writeln!(md, "- Business unit: {bu}");
                let _ = writeln!(md, "- Enabled: {}", if e.enabled { "yes" } else { "no" });
                for r in &e.roles {
                    let _ = writeln!(md, "- Role: {} ({})", r.name, r.role_id);
                }
                for m in &e.missing_roles {
                    let _ = writeln!(md, "- Missing role: {m}");
                }
            }
            if !env.confirmations.is_empty() {
                let _ = writeln!(md, "\n### Confirmations\n");
                for c in &env.confirmations {
                    let _ = writeln!(md, "- {}: {} (at {} ms)", c.what, c.answer, c.at_ms);
                }
            }
            let _ = writeln!(md);
        }
        md
    }
}
