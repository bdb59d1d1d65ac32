//! The live step list of a run: the plan's writes between "inspect" and "verify", each moved
//! along by what the observed transport sees, and settled from the record when the run ends.

use w365_core::http::{HttpRequest, Method};
use w365_core::procedure::assessment::{Plan, PlannedWrite};
use w365_core::procedure::{Outcome, ProcedureError};
use w365_core::record::EnvironmentRun;

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    Pending,
    Running,
    Done,
    Skipped,
    Failed,
    /// Sent, then the run was cancelled before an answer: it may or may not have taken effect.
    Unknown,
}

impl StepStatus {
    /// The `data-status` value.
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

    /// A text icon beside the words, never colour alone.
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

/// One line of the step list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// The `data-step` value.
    pub key: String,
    /// Text for people.
    pub label: String,
    pub status: StepStatus,
    write: Option<PlannedWrite>,
}

/// The `data-step` name of a planned write.
pub fn step_key(write: &PlannedWrite) -> String {
    match write {
        PlannedWrite::CreateAppUser { .. } => "create".into(),
        PlannedWrite::Enable { .. } => "enable".into(),
        PlannedWrite::AssignRole { role_name, .. } => format!("assign:{role_name}"),
        PlannedWrite::RemoveRole { role_name, .. } => format!("remove:{role_name}"),
        PlannedWrite::Disable { .. } => "disable".into(),
    }
}

/// A short label for a planned write.
pub fn step_label(write: &PlannedWrite) -> String {
    match write {
        PlannedWrite::CreateAppUser { .. } => "Create the application user".into(),
        PlannedWrite::Enable { .. } => "Enable the application user".into(),
        PlannedWrite::AssignRole { role_name, .. } => format!("Assign “{role_name}”"),
        PlannedWrite::RemoveRole { role_name, .. } => format!("Remove “{role_name}”"),
        PlannedWrite::Disable { .. } => "Disable the application user".into(),
    }
}

/// Whether `req` is the request that carries out `write` (the core's request shapes:
/// `POST systemusers`, `PATCH systemusers(id)`, `POST …/systemuserroles_association/$ref` with the
/// role in the body, `DELETE …/systemuserroles_association/$ref?$id=…roles(id)`).
fn carries(write: &PlannedWrite, req: &HttpRequest) -> bool {
    let path = req.url.split('?').next().unwrap_or_default();
    let body = req.body_text().unwrap_or_default();
    match write {
        PlannedWrite::CreateAppUser { .. } => {
            req.method == Method::Post && path.ends_with("/systemusers")
        }
        PlannedWrite::Enable { .. } => {
            req.method == Method::Patch && body.contains("\"isdisabled\":false")
        }
        PlannedWrite::Disable { .. } => {
            req.method == Method::Patch && body.contains("\"isdisabled\":true")
        }
        PlannedWrite::AssignRole { role_id, .. } => {
            req.method == Method::Post
                && path.contains("systemuserroles_association")
                && body.contains(role_id.as_str())
        }
        PlannedWrite::RemoveRole { role_id, .. } => {
            req.method == Method::Delete && req.url.contains(role_id.as_str())
        }
    }
}

/// The step list of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StepBoard {
    pub steps: Vec<Step>,
    planned: bool,
    writing: bool,
}

impl StepBoard {
    /// A run that has just started reading.
    pub fn inspecting() -> StepBoard {
        StepBoard {
            steps: vec![Step {
                key: "inspect".into(),
                label: "Inspect the environment".into(),
                status: StepStatus::Running,
                write: None,
            }],
            planned: false,
            writing: false,
        }
    }

    /// Whether the plan is known.
    pub fn is_planned(&self) -> bool {
        self.planned
    }

    /// Inspection is over and this is the plan: its writes, then verify.
    pub fn set_plan(&mut self, plan: &Plan) {
        if self.planned {
            return;
        }
        self.planned = true;
        self.set("inspect", StepStatus::Done);
        for w in &plan.steps {
            self.steps.push(Step {
                key: step_key(w),
                label: step_label(w),
                status: StepStatus::Pending,
                write: Some(w.clone()),
            });
        }
        self.steps.push(Step {
            key: "verify".into(),
            label: "Verify: read the application user back".into(),
            status: StepStatus::Pending,
            write: None,
        });
    }

    fn set(&mut self, key: &str, status: StepStatus) {
        if let Some(s) = self.steps.iter_mut().find(|s| s.key == key) {
            s.status = status;
        }
    }

    /// A request goes out.
    pub fn on_sent(&mut self, req: &HttpRequest) {
        if !self.planned {
            return;
        }
        if req.method == Method::Get {
            // A read after writes is the core re-reading the user: verification.
            if self.writing {
                self.set("verify", StepStatus::Running);
            }
            return;
        }
        self.writing = true;
        if let Some(s) = self
            .steps
            .iter_mut()
            .find(|s| s.write.as_ref().is_some_and(|w| carries(w, req)))
        {
            s.status = StepStatus::Running;
        }
    }

    /// A request was answered (`None`: no answer). Only an accepted write is settled here; a
    /// doubtful answer stays running until the core's re-read decides.
    pub fn on_answered(&mut self, req: &HttpRequest, status: Option<u16>) {
        if req.method == Method::Get || !status.is_some_and(|s| (200..300).contains(&s)) {
            return;
        }
        if let Some(s) = self
            .steps
            .iter_mut()
            .find(|s| s.write.as_ref().is_some_and(|w| carries(w, req)))
        {
            s.status = StepStatus::Done;
        }
    }

    /// The core has read the user back and found it right: every write took effect or was not
    /// needed after all.
    pub fn verified(&mut self) {
        for s in &mut self.steps {
            s.status = match s.status {
                StepStatus::Done | StepStatus::Skipped | StepStatus::Failed => s.status,
                _ if s.write.is_none() => StepStatus::Done,
                StepStatus::Running => StepStatus::Done,
                _ => StepStatus::Skipped,
            };
        }
    }

    /// The run is over: settle every step from its record.
    pub fn finish(&mut self, run: &EnvironmentRun) {
        if let (false, Some(plan)) = (self.planned, &run.plan) {
            self.set_plan(plan);
            self.settle_from_writes(run);
        }
        let outcome = run.outcome.as_ref();
        let proven = matches!(
            outcome,
            Some(Outcome::Configured { .. } | Outcome::Undone { .. })
        );
        let failed = matches!(outcome, Some(Outcome::Failed { .. }));
        // Cancelled with writes on their way: those were neither refused nor proven.
        let in_doubt = matches!(
            outcome,
            Some(Outcome::Failed {
                error: ProcedureError::CancelledWithWritesInDoubt { .. }
            })
        );
        let cancelled = matches!(outcome, Some(Outcome::Cancelled) | None);
        if proven {
            self.verified();
            return;
        }
        if failed && !self.steps.iter().any(|s| s.status == StepStatus::Running) {
            // Nothing in flight: the failure belongs to the stage the run was in.
            let stage = if self.planned { "verify" } else { "inspect" };
            self.set(stage, StepStatus::Running);
        }
        // Stopped without asking anything (a disabled environment): nothing was inspected.
        let asked = run.requests > 0;
        for s in &mut self.steps {
            s.status = match (s.status, proven, failed) {
                (
                    StepStatus::Done
                    | StepStatus::Skipped
                    | StepStatus::Failed
                    | StepStatus::Unknown,
                    _,
                    _,
                ) => s.status,
                _ if s.key == "inspect" && !asked && !failed => StepStatus::Skipped,
                (_, true, _) if s.key == "verify" || s.key == "inspect" => StepStatus::Done,
                // The read-back proved the state: a doubtful write took effect after all.
                (StepStatus::Running, true, _) => StepStatus::Done,
                // Found already done on the re-read: nothing had to be written.
                (StepStatus::Pending, true, _) => StepStatus::Skipped,
                (StepStatus::Running, _, true) if in_doubt && s.write.is_some() => {
                    StepStatus::Unknown
                }
                (StepStatus::Running, _, true) => StepStatus::Failed,
                (_, _, _) if s.key == "inspect" && !cancelled => StepStatus::Done,
                _ => StepStatus::Skipped,
            };
        }
    }

    /// For a run whose plan the page only learns at the end (a resumed or unattended run):
    /// count the accepted writes of each kind from the record.
    fn settle_from_writes(&mut self, run: &EnvironmentRun) {
        for w in run
            .writes
            .iter()
            .filter(|w| w.status.is_some_and(|s| (200..300).contains(&s)))
        {
            let path = w.path.split('?').next().unwrap_or_default();
            let kind = match w.method {
                Method::Post if path.ends_with("/systemusers") => "create",
                Method::Post => "assign:",
                Method::Patch => "able",
                Method::Delete => "remove:",
                Method::Get => continue,
            };
            if let Some(s) = self.steps.iter_mut().find(|s| {
                s.status == StepStatus::Pending && s.write.is_some() && s.key.contains(kind)
            }) {
                s.status = StepStatus::Done;
            }
        }
    }
}
