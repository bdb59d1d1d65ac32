//! One environment: plan, apply with live steps, evidence, the Work 365 switch guide, undo.
mod countdown;
mod datacenter_choice;
#[allow(clippy::module_inception)]
mod environment_view;
mod evidence_view;
mod guide_view;
mod outcome_view;
mod plan_view;
mod sign_in_again;
pub mod steps;
mod steps_view;
mod undo_confirm;

pub use datacenter_choice::DataCenterChoice;
pub use environment_view::EnvironmentView;
pub use outcome_view::outcome_key;
pub use sign_in_again::SignInAgain;
