//! What a run looks like from outside: which step each request is for, and a snapshot of the
//! whole run ([`RunView`]) that a UI renders without looking at a single request.

use serde::{Deserialize, Serialize};

use super::assessment::{Evidence, Plan, PlannedWrite, ProductFinding};
use super::prompt::Prompt;
use super::types::{Mode, Outcome, WaitReason};
use crate::record::EnvironmentRef;

/// What one request of a run is for. Reads belong to `Inspect` (or `Verify`, the read-back);
/// each write to the planned write it carries out.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "kebab-case")]
pub enum Step {
    /// Reading the environment before anything is decided.
    Inspect,
    /// Creating the application user.
    Create,
    /// Enabling the disabled application user.
    Enable,
    /// Assigning one security role.
    Assign {
        /// The role's name, as the preset names it.
        role: String,
    },
    /// Undo: removing one security role.
    Remove {
        /// The role's name.
        role: String,
    },
    /// Undo: disabling the application user.
    Disable,
    /// Reading the application user back.
    Verify,
}

impl Step {
    /// The stable key: `inspect`, `create`, `enable`, `assign:<role>`, `remove:<role>`,
    /// `disable`, `verify` (the UI's `data-step` values).
    pub fn key(&self) -> String {
        match self {
            Step::Inspect => "inspect".into(),
            Step::Create => "create".into(),
            Step::Enable => "enable".into(),
            Step::Assign { role } => format!("assign:{role}"),
            Step::Remove { role } => format!("remove:{role}"),
            Step::Disable => "disable".into(),
            Step::Verify => "verify".into(),
        }
    }

    /// A short label for people.
    pub fn label(&self) -> String {
        match self {
            Step::Inspect => "Inspect the environment".into(),
            Step::Create => "Create the application user".into(),
            Step::Enable => "Enable the application user".into(),
            Step::Assign { role } => format!("Assign \u{201c}{role}\u{201d}"),
            Step::Remove { role } => format!("Remove \u{201c}{role}\u{201d}"),
            Step::Disable => "Disable the application user".into(),
            Step::Verify => "Verify: read the application user back".into(),
        }
    }

    /// Whether requests of this step change the tenant.
    pub fn is_write(&self) -> bool {
        !matches!(self, Step::Inspect | Step::Verify)
    }

    /// The step that carries out a planned write.
    pub fn of_write(write: &PlannedWrite) -> Step {
        match write {
            PlannedWrite::CreateAppUser { .. } => Step::Create,
            PlannedWrite::Enable { .. } => Step::Enable,
            PlannedWrite::AssignRole { role_name, .. } => Step::Assign {
                role: role_name.clone(),
            },
            PlannedWrite::RemoveRole { role_name, .. } => Step::Remove {
                role: role_name.clone(),
            },
            PlannedWrite::Disable { .. } => Step::Disable,
        }
    }
}

/// Where one step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepStatus {
    /// Not begun.
    Pending,
    /// Its request is on its way, or its answer left it undecided until the next read-back.
    Running,
    /// Done: accepted by the service, or proven by the read-back.
    Done,
    /// Not needed after all, or never reached.
    Skipped,
    /// The run failed while this step was under way.
    Failed,
    /// Sent, then the run was cancelled before an answer: it may or may not have taken effect.
    Unknown,
}

impl StepStatus {
    /// The stable key (`pending`, `running`, `done`, `skipped`, `failed`, `unknown`).
    pub fn key(self) -> &'static str {
        match self {
            StepStatus::Pending => "pending",
            StepStatus::Running => "running",
            StepStatus::Done => "done",
            StepStatus::Skipped => "skipped",
            StepStatus::Failed => "failed",
            StepStatus::Unknown => "unknown",
        }
    }

    /// A text icon to show beside the words, so status never rests on colour alone.
    pub fn icon(self) -> &'static str {
        match self {
            StepStatus::Pending => "○",
            StepStatus::Running => "◌",
            StepStatus::Done => "✓",
            StepStatus::Skipped => "–",
            StepStatus::Failed => "✕",
            StepStatus::Unknown => "?",
        }
    }
}

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
