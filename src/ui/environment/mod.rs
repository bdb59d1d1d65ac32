//! One environment: plan, apply with live steps, evidence, the Work 365 switch guide, undo.
mod countdown;
#[allow(clippy::module_inception)]
mod environment_view;
mod evidence_view;
mod guide_view;
mod head;
mod outcome_view;
mod plan_view;
mod steps_view;
mod undo_confirm;

pub use environment_view::EnvironmentView;
