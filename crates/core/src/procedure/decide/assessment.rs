//! The verdict on an environment and what follows from it: the assessment, the plan of
//! writes, the evidence read back, what was found of the product. (How they are reached is
//! `assess.rs`.)

use serde::{Deserialize, Serialize};

use crate::dataverse::solutions::Solution;
use crate::error::Remedy;
use crate::ids::{AppId, BusinessUnitId, RoleId, SystemUserId};

/// The verdict on one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "assessment", rename_all = "kebab-case")]
pub enum Assessment {
    /// The product is not installed, or too old.
    NotInstalled {
        /// Newest version found, if any.
        found: Option<String>,
        /// What to do.
        remedy: Remedy,
    },
    /// The caller is not System Administrator here.
    CallerLacksPrivileges {
        /// What to do.
        remedy: Remedy,
    },
    /// The vendor app has no service principal in the tenant.
    VendorNotConsented {
        /// The app.
        app_id: AppId,
        /// What to do (carries the admin-consent link).
        remedy: Remedy,
    },
    /// Writes are needed; here they are.
    NeedsSetup {
        /// The writes.
        plan: Plan,
    },
    /// Nothing to do: the application user exists, is enabled and holds every role.
    Configured {
        /// What proves it.
        evidence: Evidence,
    },
    /// Something a person must fix first.
    Blocked {
        /// What is wrong.
        reason: BlockReason,
        /// What to do.
        remedy: Remedy,
    },
}

impl Assessment {
    /// A one-line summary for lists.
    pub fn summary(&self) -> String {
        match self {
            Assessment::NotInstalled { found: None, .. } => "product not installed".into(),
            Assessment::NotInstalled { found: Some(v), .. } => format!("product too old ({v})"),
            Assessment::CallerLacksPrivileges { .. } => {
                "you are not System Administrator here".into()
            }
            Assessment::VendorNotConsented { .. } => "vendor app not consented".into(),
            Assessment::NeedsSetup { plan } => format!("needs setup ({} writes)", plan.steps.len()),
            Assessment::Configured { .. } => "already configured".into(),
            Assessment::Blocked { reason, .. } => format!("blocked: {}", reason.text()),
        }
    }

    /// The remedy, when the verdict needs a person.
    pub fn remedy(&self) -> Option<&Remedy> {
        match self {
            Assessment::NotInstalled { remedy, .. }
            | Assessment::CallerLacksPrivileges { remedy }
            | Assessment::VendorNotConsented { remedy, .. }
            | Assessment::Blocked { remedy, .. } => Some(remedy),
            _ => None,
        }
    }
}

/// Why an environment is blocked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum BlockReason {
    /// No single root business unit.
    NoRootBusinessUnit {
        /// How many were found.
        found: usize,
    },
    /// A role is missing in the root business unit.
    RoleMissing {
        /// Name.
        role: String,
    },
    /// A role name matches several roles in the root business unit.
    RoleAmbiguous {
        /// Name.
        role: String,
        /// Ids found.
        ids: Vec<RoleId>,
    },
    /// Only a soft-deleted application user exists for this app.
    SoftDeletedAppUser {
        /// Its id.
        user_id: SystemUserId,
    },
    /// The application user is not in the root business unit.
    AppUserOutsideRoot {
        /// Its id.
        user_id: SystemUserId,
        /// Its business unit.
        business_unit_id: Option<BusinessUnitId>,
    },
    /// Several live application users for one app (Dataverse should not allow it).
    SeveralAppUsers {
        /// Their ids.
        user_ids: Vec<SystemUserId>,
    },
    /// Discovery says the environment is disabled (`State` 1): it was not inspected.
    EnvironmentDisabled,
}

impl BlockReason {
    /// Human text.
    pub fn text(&self) -> String {
        match self {
            BlockReason::NoRootBusinessUnit { found } => {
                format!("{found} root business units found, expected one")
            }
            BlockReason::RoleMissing { role } => {
                format!("role \"{role}\" missing in the root business unit")
            }
            BlockReason::RoleAmbiguous { role, ids } => format!(
                "{} roles named \"{role}\" in the root business unit",
                ids.len()
            ),
            BlockReason::SoftDeletedAppUser { user_id } => {
                format!("a deleted application user ({user_id}) lingers")
            }
            BlockReason::AppUserOutsideRoot { user_id, .. } => {
                format!("the application user {user_id} is outside the root business unit")
            }
            BlockReason::SeveralAppUsers { user_ids } => {
                format!("{} application users exist for the app", user_ids.len())
            }
            BlockReason::EnvironmentDisabled => {
                "the environment is disabled, so it was not inspected".into()
            }
        }
    }
}

/// The writes to make, in order, each with its reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The steps.
    pub steps: Vec<PlannedWrite>,
}

/// One planned write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "write", rename_all = "kebab-case")]
pub enum PlannedWrite {
    /// Create the application user in the root business unit.
    CreateAppUser {
        /// The app.
        app_id: AppId,
        /// The root business unit.
        business_unit_id: BusinessUnitId,
    },
    /// Re-enable the disabled application user.
    Enable {
        /// The user.
        user_id: SystemUserId,
    },
    /// Assign a role.
    AssignRole {
        /// The role (root copy).
        role_id: RoleId,
        /// Its name.
        role_name: String,
    },
    /// Undo: remove a role from the application user.
    RemoveRole {
        /// The role.
        role_id: RoleId,
        /// Its name.
        role_name: String,
    },
    /// Undo: disable the application user.
    Disable {
        /// The user.
        user_id: SystemUserId,
    },
}

impl PlannedWrite {
    /// Why this write is needed.
    pub fn reason(&self) -> String {
        match self {
            PlannedWrite::CreateAppUser { app_id, .. } => format!(
                "no application user exists for app {app_id}; create it in the root business unit"
            ),
            PlannedWrite::Enable { .. } => "the application user is disabled; re-enable it".into(),
            PlannedWrite::AssignRole { role_name, .. } => {
                format!("the application user lacks the role \"{role_name}\"")
            }
            PlannedWrite::RemoveRole { role_name, .. } => {
                format!("undo: remove the role \"{role_name}\"")
            }
            PlannedWrite::Disable { .. } => "undo: disable the application user".into(),
        }
    }
}

/// A role as verified on the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleEvidence {
    /// Id.
    pub role_id: RoleId,
    /// Name.
    pub name: String,
    /// Business unit of this copy.
    pub business_unit_id: Option<BusinessUnitId>,
}

/// What was read back: proof of the final state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The application user.
    pub user_id: SystemUserId,
    /// Its app.
    pub app_id: AppId,
    /// Its business unit.
    pub business_unit_id: Option<BusinessUnitId>,
    /// The business unit's name, when it is the root.
    pub business_unit_name: Option<String>,
    /// Whether enabled.
    pub enabled: bool,
    /// Its roles (all of them, not just the preset's).
    pub roles: Vec<RoleEvidence>,
    /// Preset roles it does not hold (empty when configured; after Undo, all of them).
    pub missing_roles: Vec<String>,
    /// When it was read (caller's clock, ms).
    pub read_at_ms: u64,
}

/// How the product's version compares with the preset's minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum VersionVerdict {
    /// Neither the product's roles nor a solution of it: not installed.
    NotInstalled,
    /// A known version below the minimum: blocks.
    TooOld,
    /// A known version at or above the minimum.
    Sufficient,
    /// Installed (its roles or a solution are there) but no readable version: warns only.
    Unknown,
}

impl VersionVerdict {
    /// The kebab-case name, as serialised (`not-installed`, `too-old`, `sufficient`, `unknown`).
    pub fn key(self) -> &'static str {
        match self {
            VersionVerdict::NotInstalled => "not-installed",
            VersionVerdict::TooOld => "too-old",
            VersionVerdict::Sufficient => "sufficient",
            VersionVerdict::Unknown => "unknown",
        }
    }
}

/// What the inspection tells about the product: installed or not, which version, and the
/// solution the version was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductFinding {
    /// Product name.
    pub product: String,
    /// The minimum version, as text.
    pub required: String,
    /// Whether any of the preset's roles exists (in any business unit): the vendor's signal.
    pub roles_found: bool,
    /// Solutions whose names match the product's, as read.
    pub solutions: Vec<Solution>,
    /// The solution the version was read from (the newest readable one).
    pub version_from: Option<Solution>,
    /// The version, when one could be read.
    pub version: Option<String>,
    /// The verdict.
    pub verdict: VersionVerdict,
}

impl ProductFinding {
    /// One line for a list: the version and where it came from, or why there is none.
    pub fn summary(&self) -> String {
        match (&self.verdict, &self.version) {
            (VersionVerdict::NotInstalled, _) => "not installed".into(),
            (VersionVerdict::Unknown, _) => "installed, version unknown".into(),
            (VersionVerdict::TooOld, Some(v)) => format!("{v} (too old)"),
            (_, Some(v)) => v.clone(),
            (_, None) => "installed, version unknown".into(),
        }
    }

    /// Where the version was read from, e.g. `solution Work365Core ("Work 365 Core")`.
    pub fn source(&self) -> Option<String> {
        self.version_from.as_ref().map(|s| match &s.friendlyname {
            Some(f) if !f.is_empty() && f != &s.uniquename => {
                format!("solution {} (\u{201c}{f}\u{201d})", s.uniquename)
            }
            _ => format!("solution {}", s.uniquename),
        })
    }

    /// What the admin should know when the version could not be read (setup still proceeds).
    pub fn note(&self) -> Option<String> {
        (self.verdict == VersionVerdict::Unknown).then(|| {
            let why = if self.solutions.is_empty() {
                format!(
                    "no solution named like {} was found, so its version is unknown",
                    self.product
                )
            } else {
                "its solutions carry no readable version".to_owned()
            };
            format!(
                "{product} is installed (its security roles are there), but {why}. {product} {required} or later is required: check the version in Dynamics (Settings → Solutions) before switching.",
                product = self.product,
                required = self.required,
            )
        })
    }
}
