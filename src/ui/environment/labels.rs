//! Words for people: what each write of a plan does.

use w365_core::procedure::assessment::PlannedWrite;

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
