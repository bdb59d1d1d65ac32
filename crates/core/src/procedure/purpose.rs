//! What each request of a run is for: decides how its answer is read, which step it belongs
//! to, and how it is named in errors and the record.

use super::decide::assessment::PlannedWrite;
use super::step::Step;
use crate::ids::{AppId, RoleId};

/// What a request is for; decides how its answer is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Purpose {
    WhoAmI,
    RootBusinessUnit,
    Roles,
    AppUsers,
    ServicePrincipal(AppId),
    Solutions,
    AppModule,
    /// The signed-in user's own row and roles, found without its id (first round).
    CurrentUserRoles,
    /// The caller's roles by `WhoAmI`'s id, when the first round's read did not give them.
    CallerRoles,
    Privilege(String),
    Reread,
    Create,
    Enable,
    Disable,
    Associate {
        role_id: RoleId,
        role_name: String,
    },
    Disassociate {
        role_id: RoleId,
        role_name: String,
    },
}

impl Purpose {
    pub(crate) fn is_write(&self) -> bool {
        matches!(
            self,
            Purpose::Create
                | Purpose::Enable
                | Purpose::Disable
                | Purpose::Associate { .. }
                | Purpose::Disassociate { .. }
        )
    }

    /// The step a request for this purpose belongs to.
    pub(crate) fn step(&self) -> Step {
        match self {
            Purpose::Reread => Step::Verify,
            Purpose::Create => Step::Create,
            Purpose::Enable => Step::Enable,
            Purpose::Disable => Step::Disable,
            Purpose::Associate { role_name, .. } => Step::Assign {
                role: role_name.clone(),
            },
            Purpose::Disassociate { role_name, .. } => Step::Remove {
                role: role_name.clone(),
            },
            _ => Step::Inspect,
        }
    }

    /// Whether a request for this purpose carries out `write` (roles by id: a user may hold
    /// two copies of one role name).
    pub(crate) fn carries(&self, write: &PlannedWrite) -> bool {
        match (self, write) {
            (Purpose::Create, PlannedWrite::CreateAppUser { .. })
            | (Purpose::Enable, PlannedWrite::Enable { .. })
            | (Purpose::Disable, PlannedWrite::Disable { .. }) => true,
            (Purpose::Associate { role_id, .. }, PlannedWrite::AssignRole { role_id: w, .. })
            | (
                Purpose::Disassociate { role_id, .. },
                PlannedWrite::RemoveRole { role_id: w, .. },
            ) => role_id == w,
            _ => false,
        }
    }

    /// A short label for errors and the run record.
    pub(crate) fn label(&self) -> String {
        match self {
            Purpose::WhoAmI => "read who is signed in".into(),
            Purpose::RootBusinessUnit => "read the root business unit".into(),
            Purpose::Roles => "read the security roles".into(),
            Purpose::AppUsers => "read the application user".into(),
            Purpose::ServicePrincipal(a) => format!("check consent of app {a}"),
            Purpose::Solutions => "read installed solutions".into(),
            Purpose::AppModule => "find the product's app".into(),
            Purpose::CurrentUserRoles | Purpose::CallerRoles => "read your roles".into(),
            Purpose::Privilege(p) => format!("check your privilege {p}"),
            Purpose::Reread => "re-read the application user".into(),
            Purpose::Create => "create the application user".into(),
            Purpose::Enable => "enable the application user".into(),
            Purpose::Disable => "disable the application user".into(),
            Purpose::Associate { role_id, .. } => format!("assign role {role_id}"),
            Purpose::Disassociate { role_id, .. } => format!("remove role {role_id}"),
        }
    }
}
