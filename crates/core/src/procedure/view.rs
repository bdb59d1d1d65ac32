//! What a run looks like from outside: a snapshot of the whole run ([`RunView`]) that a
//! screen renders without looking at a single request.

use serde::{Deserialize, Serialize};

use super::decide::assessment::{Evidence, Plan, ProductFinding};
use super::prompt::Prompt;
use super::step::{Step, StepStatus};
use super::target::{EnvironmentRef, Mode};
use super::types::{Outcome, WaitReason};

/// One line of a run's step list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    /// The step.
    pub step: Step,
    /// Where it stands.
    pub status: StepStatus,
}

/// Where the run is, as a person would name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunStage {
    /// Not started.
    NotStarted,
    /// Reading the environment.
    Inspect,
    /// Asking which data center the tenant uses.
    ChooseDataCenter,
    /// Asking the admin to confirm the plan (or the undo).
    ConfirmPlan,
    /// Taking the environment's write lock.
    Lock,
    /// Writing.
    Write,
    /// Reading the application user back.
    Verify,
    /// Verified; guiding the vendor's manual switch.
    Guide,
    /// Over (see the outcome).
    Done,
}

/// What the run is waiting for, other than answers to its requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "wait", rename_all = "kebab-case")]
pub enum RunWait {
    /// Throttled or backing off until this time (the caller's clock, ms).
    Timer {
        /// When the wait ends.
        until_ms: u64,
        /// Why.
        reason: WaitReason,
    },
    /// Another tab of the tool holds the environment's write lock; waiting for it.
    Lock {
        /// Since when (the caller's clock, ms).
        since_ms: u64,
    },
    /// A token for this resource must be renewed; waiting for the sign-in.
    SignIn {
        /// The resource.
        audience: String,
    },
}

/// A snapshot of one environment's run: everything a screen shows of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunView {
    /// The environment.
    pub environment: EnvironmentRef,
    /// Setup, assess or undo.
    pub mode: Mode,
    /// Where the run is.
    pub stage: RunStage,
    /// The plan of writes, once known (empty when nothing has to be written).
    pub plan: Option<Plan>,
    /// The question the admin is asked now, if any.
    pub question: Option<Prompt>,
    /// What the run waits for now, if anything.
    pub wait: Option<RunWait>,
    /// The read-back, once the application user was verified.
    pub evidence: Option<Evidence>,
    /// The product as the assessment found it.
    pub product: Option<ProductFinding>,
    /// The steps: inspect, then (once the plan is known) its writes, then verify.
    pub steps: Vec<StepView>,
    /// How the run ended, once it has.
    pub outcome: Option<Outcome>,
}

impl RunView {
    /// The status of the step with this key, if the list has it.
    pub fn status_of(&self, key: &str) -> Option<StepStatus> {
        self.steps
            .iter()
            .find(|s| s.step.key() == key)
            .map(|s| s.status)
    }
}
