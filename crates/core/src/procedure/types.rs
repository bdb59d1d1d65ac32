//! The procedure's vocabulary: the commands it yields, the inputs it takes, how a run ends,
//! and what it is run for.

use super::assessment::{Assessment, Evidence};
use super::prompt::{Prompt, PromptAnswer};
use super::retry::RetryPolicy;
use crate::cloud::CloudEndpoints;
use crate::discovery::Instance;
use crate::error::{ApiError, Remedy};
use crate::http::{HttpRequest, HttpResponse, TransportError};
use crate::ids::{AppId, TenantId};
use crate::preset::Preset;
use crate::record::EnvironmentRef;
use serde::{Deserialize, Serialize};

/// Identifies one request within a run, to match its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RequestId(pub u32);

/// A request to send, tagged with its id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outgoing {
    /// Its id; answer with the same.
    pub id: RequestId,
    /// The request.
    pub request: HttpRequest,
}

/// The answer to one [`Outgoing`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The id it answers.
    pub id: RequestId,
    /// What came back.
    pub result: Result<HttpResponse, TransportError>,
}

/// Why the procedure asks to wait.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "wait", rename_all = "kebab-case")]
pub enum WaitReason {
    /// Dataverse or Graph answered `429`; show a countdown.
    Throttled {
        /// `Retry-After` in seconds as given (or the default when absent).
        retry_after_s: u64,
    },
    /// Backing off before retrying a read after a transient failure.
    Backoff {
        /// Retry number.
        attempt: u32,
    },
}

/// What the procedure wants done next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
pub enum Command {
    /// Send all of these (concurrently: they are independent) and answer with [`Input::Answers`].
    Send {
        /// The requests.
        requests: Vec<Outgoing>,
    },
    /// Show this and answer with [`Input::Choice`].
    Prompt {
        /// The question.
        prompt: Prompt,
    },
    /// Wait until this time, then answer [`Input::Woke`].
    WaitUntil {
        /// Caller's clock, ms.
        at_ms: u64,
        /// Why (a throttling countdown or a backoff).
        reason: WaitReason,
    },
    /// Get a fresh token for this audience (interactive sign-in if needed), then answer
    /// [`Input::SignInRenewed`] or [`Input::SignInFailed`].
    RenewSignIn {
        /// The resource, e.g. `https://contoso.crm.dynamics.com`.
        audience: String,
    },
    /// Finished.
    Done {
        /// How it ended.
        outcome: Outcome,
    },
}

/// What the caller feeds back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "input", rename_all = "kebab-case")]
pub enum Input {
    /// Answers to the last [`Command::Send`] (unanswered ids count as dropped connections).
    Answers {
        /// One per request.
        answers: Vec<Answer>,
    },
    /// The admin's answer to the last prompt.
    Choice {
        /// The answer.
        answer: PromptAnswer,
    },
    /// The wait is over.
    Woke,
    /// A fresh token is available.
    SignInRenewed,
    /// No fresh token could be had.
    SignInFailed {
        /// What MSAL said.
        message: String,
    },
    /// Stop as soon as possible; no further writes are sent.
    Cancel,
}

/// A failure that ends the run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ProcedureError {
    /// A call failed in a way retrying will not fix.
    #[error("could not {step}: {error}")]
    Api {
        /// What the procedure was doing.
        step: String,
        /// The error.
        error: ApiError,
        /// What to do.
        remedy: Remedy,
    },
    /// The token expired again after one renewal.
    #[error("sign-in expired for {audience}")]
    SignInExpired {
        /// The resource.
        audience: String,
    },
    /// Throttled longer, or more often, than the policy accepts.
    #[error("throttled: asked to wait {retry_after_s} s")]
    Throttled {
        /// The last `Retry-After`.
        retry_after_s: u64,
    },
    /// Writes kept not taking effect.
    #[error("no progress after {rounds} rounds of writes")]
    NoProgress {
        /// Rounds tried.
        rounds: u32,
    },
}

impl ProcedureError {
    /// What a person can do.
    pub fn remedy(&self) -> Remedy {
        match self {
            ProcedureError::Api { remedy, .. } => remedy.clone(),
            ProcedureError::SignInExpired { audience } => Remedy::SignInAgain {
                audience: audience.clone(),
            },
            ProcedureError::Throttled { retry_after_s } => Remedy::WaitThrottled {
                wait_s: *retry_after_s,
            },
            ProcedureError::NoProgress { .. } => Remedy::TryLater,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Outcome {
    /// The application user is verified: enabled, in the root business unit, with every role.
    Configured {
        /// The read-back.
        evidence: Evidence,
        /// True when nothing had to be written ("already configured").
        already: bool,
    },
    /// Stopped after the assessment: nothing to do that this tool may do, or the plan was declined.
    Stopped {
        /// The verdict.
        assessment: Assessment,
    },
    /// Undo finished: roles removed and user disabled (evidence `None` when there was no user).
    Undone {
        /// The read-back.
        evidence: Option<Evidence>,
    },
    /// Failed with a typed error.
    Failed {
        /// The error.
        error: ProcedureError,
    },
    /// Cancelled by the caller.
    Cancelled,
}

impl Outcome {
    /// One line for lists and reports.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Configured { already: true, .. } => "already configured".into(),
            Outcome::Configured { already: false, .. } => "configured and verified".into(),
            Outcome::Stopped { assessment } => assessment.summary(),
            Outcome::Undone { evidence: None } => "nothing to undo".into(),
            Outcome::Undone { .. } => "undone".into(),
            Outcome::Failed { error } => format!("failed: {error}"),
            Outcome::Cancelled => "cancelled".into(),
        }
    }
}

/// What to do in the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Inspect, plan, apply, verify (and guide).
    Setup,
    /// Inspect and assess only; never writes.
    Assess,
    /// Remove the preset's roles from the application user and disable it.
    Undo,
}

/// Which environment, preset and cloud a run is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The environment.
    pub environment: EnvironmentRef,
    /// The preset.
    pub preset: Preset,
    /// The cloud's endpoints (Graph for consent, authority for the consent link).
    pub endpoints: CloudEndpoints,
    /// The tenant, for the consent link.
    pub tenant_id: Option<TenantId>,
    /// A data center chosen beforehand (skips the choice).
    pub data_center: Option<AppId>,
    /// Discovery lists the environment as disabled: the run sends nothing and stops blocked.
    #[serde(default)]
    pub disabled: bool,
}

impl Target {
    /// For an environment found by discovery.
    pub fn from_instance(instance: &Instance, preset: Preset, endpoints: CloudEndpoints) -> Target {
        Target {
            environment: EnvironmentRef {
                id: Some(instance.environment_id.clone()),
                name: instance.friendly_name.clone(),
                url: instance.origin(),
            },
            preset,
            endpoints,
            tenant_id: instance.tenant_id.clone(),
            data_center: None,
            disabled: instance.is_disabled(),
        }
    }
}

/// Knobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// Setup, assess only, or undo.
    pub mode: Mode,
    /// Ask before writing (the plan or the undo).
    pub confirm_plan: bool,
    /// Guide the vendor's manual switch after verification.
    pub guide: bool,
    /// Guide steps the admin confirmed before a reload interrupted the run: the guide resumes
    /// at the next one, and the record notes the earlier ones as confirmed before the reload.
    #[serde(default)]
    pub guide_confirmed: usize,
    /// Retries and waits.
    pub retry: RetryPolicy,
    /// Seed for backoff jitter (replayable runs).
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: Mode::Setup,
            confirm_plan: true,
            guide: true,
            guide_confirmed: 0,
            retry: RetryPolicy::default(),
            seed: 0x5EED,
        }
    }
}

impl Options {
    /// No prompts except a data-center choice: for batches and tests.
    pub fn unattended(mode: Mode) -> Options {
        Options {
            mode,
            confirm_plan: false,
            guide: false,
            ..Options::default()
        }
    }
}
