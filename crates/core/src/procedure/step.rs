//! What each request of a run is for ([`Step`]), and where each step stands ([`StepStatus`]):
//! the vocabulary of the step list a screen shows.

use serde::{Deserialize, Serialize};

use super::decide::assessment::PlannedWrite;

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
