//! One environment's part of the run record: what was found, decided, written and proven.
//! The procedure fills it; `crate::record` gathers the environments of a run. Never a token.

use serde::{Deserialize, Serialize};

use super::decide::assessment::{Assessment, Evidence, Plan};
use super::read::inspection::Inspection;
use super::target::EnvironmentRef;
use super::types::Outcome;
use crate::http::Method;
use crate::ids::AppId;

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

/// How a run's requests went on the wire (`crate::batched_round`): a support engineer reading
/// the report sees whether the environment took `$batch`, and if not, what it answered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireRecord {
    /// HTTP exchanges made (a `$batch` is one, whatever it carried; no preflight or token).
    pub exchanges: u32,
    /// `$batch` requests among them.
    pub batches: u32,
    /// Why the run stopped sending `$batch` and served the environment by single requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batching_refused: Option<String>,
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
    /// Requests sent in total (each counted, whether it went alone or in a `$batch`).
    pub requests: u32,
    /// How those requests went on the wire: exchanges, `$batch`es, and why batching stopped.
    #[serde(default)]
    pub wire: WireRecord,
    /// How it ended.
    pub outcome: Option<Outcome>,
    /// Inputs the run could not use where it was (a caller's mistake; each changed nothing).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unexpected_inputs: Vec<UnexpectedInput>,
}

impl EnvironmentRun {
    /// The record of a run not started yet: nothing read, written or decided (`started_at_ms`
    /// 0 until the run starts). Runs and test fixtures start from it, so a field added to the
    /// record gets its empty value in one place.
    pub fn empty(environment: EnvironmentRef, preset: &str, mode: &str) -> Self {
        EnvironmentRun {
            environment,
            preset: preset.to_owned(),
            mode: mode.to_owned(),
            data_center: None,
            started_at_ms: 0,
            finished_at_ms: None,
            inspection: None,
            assessment: None,
            plan: None,
            writes: Vec::new(),
            evidence: None,
            confirmations: Vec::new(),
            waits: Vec::new(),
            stages: Vec::new(),
            round_trips: 0,
            requests: 0,
            wire: WireRecord::default(),
            outcome: None,
            unexpected_inputs: Vec::new(),
        }
    }

    /// Writes that the service accepted.
    pub fn successful_writes(&self) -> usize {
        self.writes
            .iter()
            .filter(|w| w.status.is_some_and(|s| (200..300).contains(&s)))
            .count()
    }
}

/// An input that did not fit where the run was: the run changed nothing and repeated its last
/// command. Kept so that a caller's mistake shows in the record instead of vanishing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnexpectedInput {
    /// What came ([`super::types::Input::kind`]).
    pub input: String,
    /// What the run was waiting for ([`super::types::Command::kind`] of its last command).
    pub awaited: String,
    /// When (caller's clock, ms).
    pub at_ms: u64,
}
