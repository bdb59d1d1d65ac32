//! From what inspection found to a verdict: the assessment, the plan of writes, the evidence.

use super::inspection::Inspection;
use crate::cloud::CloudEndpoints;
use crate::dataverse::roles::Role;
use crate::dataverse::solutions::Solution;
use crate::dataverse::users::AppUser;
use crate::error::Remedy;
use crate::graph::Consent;
use crate::ids::{AppId, BusinessUnitId, RoleId, SystemUserId, TenantId};
use crate::preset::{Preset, Version};
use serde::{Deserialize, Serialize};

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

/// The product as the inspection found it, or `None` when the preset requires no product.
pub fn product_finding(preset: &Preset, facts: &Inspection) -> Option<ProductFinding> {
    let req = preset.requirement.as_ref()?;
    let solutions: Vec<Solution> = facts
        .solutions
        .iter()
        .filter(|s| req.matches_solution(&s.uniquename, s.friendlyname.as_deref()))
        .cloned()
        .collect();
    let newest = solutions
        .iter()
        .filter_map(|s| {
            s.version
                .as_deref()
                .and_then(Version::parse)
                .map(|v| (v, s))
        })
        .max_by(|a, b| a.0.cmp(&b.0));
    let roles_found = facts
        .roles
        .iter()
        .any(|r| preset.roles.iter().any(|n| n.eq_ignore_ascii_case(&r.name)));
    let verdict = match &newest {
        Some((v, _)) if *v >= req.min_version => VersionVerdict::Sufficient,
        Some(_) => VersionVerdict::TooOld,
        None if roles_found || !solutions.is_empty() => VersionVerdict::Unknown,
        None => VersionVerdict::NotInstalled,
    };
    Some(ProductFinding {
        product: req.product.clone(),
        required: req.min_version.to_string(),
        roles_found,
        version_from: newest.as_ref().map(|(_, s)| (*s).clone()),
        version: newest.as_ref().and_then(|(_, s)| s.version.clone()),
        solutions,
        verdict,
    })
}

/// The preset's roles resolved in the root business unit, or why they cannot be.
pub(crate) fn resolve_roles(
    preset: &Preset,
    facts: &Inspection,
    root: &BusinessUnitId,
) -> Result<Vec<Role>, BlockReason> {
    let mut out = Vec::new();
    for name in &preset.roles {
        match facts.roles_in(root, name).as_slice() {
            [] => return Err(BlockReason::RoleMissing { role: name.clone() }),
            [one] => out.push((*one).clone()),
            many => {
                return Err(BlockReason::RoleAmbiguous {
                    role: name.clone(),
                    ids: many.iter().map(|r| r.id.clone()).collect(),
                })
            }
        }
    }
    Ok(out)
}

/// The writes that bring `user` to "enabled with every role"; nothing already right is written.
pub(crate) fn plan_for(
    app: &AppId,
    root: &BusinessUnitId,
    roles: &[Role],
    user: Option<&AppUser>,
) -> Plan {
    let mut steps = Vec::new();
    match user {
        None => steps.push(PlannedWrite::CreateAppUser {
            app_id: app.clone(),
            business_unit_id: root.clone(),
        }),
        Some(u) if u.isdisabled => steps.push(PlannedWrite::Enable {
            user_id: u.id.clone(),
        }),
        Some(_) => {}
    }
    for r in roles {
        if !user.is_some_and(|u| u.roles.iter().any(|h| h.id == r.id)) {
            steps.push(PlannedWrite::AssignRole {
                role_id: r.id.clone(),
                role_name: r.name.clone(),
            });
        }
    }
    Plan { steps }
}

/// Evidence from a read of the user.
pub(crate) fn evidence_of(
    user: &AppUser,
    app: &AppId,
    preset: &Preset,
    facts: &Inspection,
    roles: &[Role],
    now_ms: u64,
) -> Evidence {
    let root = facts.root();
    Evidence {
        user_id: user.id.clone(),
        app_id: user.app_id.clone().unwrap_or_else(|| app.clone()),
        business_unit_id: user.business_unit_id.clone(),
        business_unit_name: root
            .filter(|r| user.business_unit_id.as_ref() == Some(&r.id))
            .map(|r| r.name.clone()),
        enabled: !user.isdisabled,
        roles: user
            .roles
            .iter()
            .map(|r| RoleEvidence {
                role_id: r.id.clone(),
                name: r.name.clone(),
                business_unit_id: r.business_unit_id.clone(),
            })
            .collect(),
        missing_roles: preset
            .roles
            .iter()
            .filter(|name| {
                let wanted = roles.iter().find(|r| r.name.eq_ignore_ascii_case(name));
                !wanted.is_some_and(|w| user.roles.iter().any(|h| h.id == w.id))
            })
            .cloned()
            .collect(),
        read_at_ms: now_ms,
    }
}

/// Inputs to [`assess`] besides the facts.
pub(crate) struct AssessContext<'a> {
    pub preset: &'a Preset,
    pub app: &'a AppId,
    pub endpoints: &'a CloudEndpoints,
    pub tenant: Option<&'a TenantId>,
    pub now_ms: u64,
}

/// The live application users of `app`, and its soft-deleted ones.
pub(crate) fn users_of<'a>(
    users: &'a [AppUser],
    app: &AppId,
) -> (Vec<&'a AppUser>, Vec<&'a AppUser>) {
    users
        .iter()
        .filter(|u| u.app_id.as_ref() == Some(app))
        .partition(|u| !u.is_soft_deleted())
}

/// The verdict, checked in the order a person would fix things.
pub(crate) fn assess(cx: &AssessContext<'_>, facts: &Inspection) -> Assessment {
    // Installed is what the roles say; only a known version below the minimum blocks, an
    // unknown one is a note (`ProductFinding::note`) and setup goes on.
    if let Some(f) = product_finding(cx.preset, facts) {
        let found = match f.verdict {
            VersionVerdict::NotInstalled => Some(None),
            VersionVerdict::TooOld => Some(f.version.clone()),
            VersionVerdict::Sufficient | VersionVerdict::Unknown => None,
        };
        if let Some(found) = found {
            return Assessment::NotInstalled {
                remedy: Remedy::InstallOrUpgradeProduct {
                    product: f.product,
                    found: found.clone(),
                    required: f.required,
                },
                found,
            };
        }
    }
    if !facts.caller_is_privileged() {
        return Assessment::CallerLacksPrivileges {
            remedy: Remedy::NotSystemAdministrator,
        };
    }
    let Some(root) = facts.root() else {
        return Assessment::Blocked {
            reason: BlockReason::NoRootBusinessUnit {
                found: facts.root_business_units.len(),
            },
            remedy: Remedy::CheckBusinessUnits,
        };
    };
    let roles = match resolve_roles(cx.preset, facts, &root.id) {
        Ok(r) => r,
        Err(reason) => {
            let remedy = match &reason {
                BlockReason::RoleAmbiguous { role, ids } => Remedy::RoleAmbiguous {
                    role: role.clone(),
                    count: ids.len(),
                },
                BlockReason::RoleMissing { role } => Remedy::RoleMissing { role: role.clone() },
                _ => Remedy::CheckBusinessUnits,
            };
            return Assessment::Blocked { reason, remedy };
        }
    };
    let (live, deleted) = users_of(&facts.app_users, cx.app);
    if matches!(facts.consent_of(cx.app), Some(Consent::Absent)) {
        return Assessment::VendorNotConsented {
            app_id: cx.app.clone(),
            remedy: Remedy::ConsentVendorApp {
                consent_url: cx.endpoints.admin_consent_url(cx.tenant, cx.app),
            },
        };
    }
    let user = match live.as_slice() {
        [] => {
            if let Some(d) = deleted.first() {
                return Assessment::Blocked {
                    reason: BlockReason::SoftDeletedAppUser { user_id: d.id.clone() },
                    remedy: Remedy::PurgeDeletedAppUser,
                };
            }
            None
        }
        [one] => Some(*one),
        many => {
            return Assessment::Blocked {
                reason: BlockReason::SeveralAppUsers {
                    user_ids: many.iter().map(|u| u.id.clone()).collect(),
                },
                remedy: Remedy::ReadServiceMessage {
                    code: None,
                    message: "Dataverse holds several application users for one app; remove the extra ones in the Power Platform admin center.".into(),
                },
            }
        }
    };
    if let Some(u) = user {
        if u.business_unit_id.as_ref() != Some(&root.id) {
            return Assessment::Blocked {
                reason: BlockReason::AppUserOutsideRoot {
                    user_id: u.id.clone(),
                    business_unit_id: u.business_unit_id.clone(),
                },
                remedy: Remedy::MoveAppUserToRoot {
                    business_unit: u
                        .business_unit_id
                        .as_ref()
                        .map_or_else(|| "unknown".into(), ToString::to_string),
                },
            };
        }
    }
    let plan = plan_for(cx.app, &root.id, &roles, user);
    match user {
        Some(u) if plan.steps.is_empty() => Assessment::Configured {
            evidence: evidence_of(u, cx.app, cx.preset, facts, &roles, cx.now_ms),
        },
        _ => Assessment::NeedsSetup { plan },
    }
}
