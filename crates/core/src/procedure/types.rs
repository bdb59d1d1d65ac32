//! The procedure's vocabulary: the commands it yields, the inputs it takes, how a run ends.

use serde::{Deserialize, Serialize};

use super::decide::assessment::{Assessment, Evidence};
use super::prompt::{Prompt, PromptAnswer};
use super::step::Step;
use super::write::lock::{LockGrant, LockName};
use crate::error::{ApiError, Remedy};
use crate::http::{HttpRequest, HttpResponse, TransportError};

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
    /// What it is for (the step of the run it belongs to).
    pub step: Step,
    /// Give up waiting after this long and answer [`TransportError::Timeout`] (the driver does;
    /// a caller of its own must too, or a request that never answers holds the run).
    pub timeout_ms: u64,
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
    /// Take the environment's write lock before writing, then answer [`Input::Lock`]: without
    /// waiting first (`wait: false`: answer `Busy` if another tab holds it), then, if busy,
    /// waiting for it (`wait: true`: answer once held; show that another tab holds it).
    Lock {
        /// The lock (one per environment).
        lock: LockName,
        /// Whether to wait for it.
        wait: bool,
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
    /// How the last [`Command::Lock`] went.
    Lock {
        /// Acquired, busy or unavailable.
        grant: LockGrant,
    },
    /// Stop as soon as possible; no further writes are sent. Writes of the last
    /// [`Command::Send`] not answered yet count as possibly made.
    Cancel,
    /// Stop before carrying out the last command: none of its requests was sent.
    CancelBeforeSending,
}

impl Input {
    /// A short name for the record (`answers`, `choice`, `woke`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Input::Answers { .. } => "answers",
            Input::Choice { .. } => "choice",
            Input::Woke => "woke",
            Input::SignInRenewed => "sign-in-renewed",
            Input::SignInFailed { .. } => "sign-in-failed",
            Input::Lock { .. } => "lock",
            Input::Cancel => "cancel",
            Input::CancelBeforeSending => "cancel-before-sending",
        }
    }
}

impl Command {
    /// A short name for the record (`send`, `prompt`, `wait-until`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Command::Send { .. } => "send",
            Command::Prompt { .. } => "prompt",
            Command::WaitUntil { .. } => "wait-until",
            Command::RenewSignIn { .. } => "renew-sign-in",
            Command::Lock { .. } => "lock",
            Command::Done { .. } => "done",
        }
    }
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
    /// A read got no answer in time, however often the policy allowed to ask.
    #[error("could not {step}: {host} did not answer within {after_ms} ms ({attempts} attempts)")]
    Timeout {
        /// What the procedure was reading.
        step: String,
        /// The origin asked.
        host: String,
        /// How long each attempt waited.
        after_ms: u64,
        /// How many times it was asked.
        attempts: u32,
    },
    /// Cancelled while writes were unanswered (or answered in doubt and not yet re-read): the
    /// run stopped at once and sent nothing more, so their effect is unknown.
    #[error("{}", in_doubt_text(writes))]
    CancelledWithWritesInDoubt {
        /// The writes in doubt, labelled as in the run record.
        writes: Vec<String>,
    },
}

fn in_doubt_text(writes: &[String]) -> String {
    match writes {
        [one] => format!(
            "cancelled while a write was on its way ({one}); whether it took effect is unknown"
        ),
        many => format!(
            "cancelled while {} writes were on their way ({}); whether they took effect is unknown",
            many.len(),
            many.join("; ")
        ),
    }
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
            ProcedureError::Timeout { host, after_ms, .. } => Remedy::ServiceNotAnswering {
                host: host.clone(),
                after_s: after_ms.div_ceil(1000),
            },
            ProcedureError::CancelledWithWritesInDoubt { writes } => Remedy::InspectAgain {
                writes: writes.clone(),
            },
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
