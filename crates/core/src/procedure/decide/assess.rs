//! From what inspection found to a verdict, checked in the order a person would fix things;
//! the plan of writes that brings the application user to its configured state; the evidence
//! of a read-back.

use super::assessment::{
    Assessment, BlockReason, Evidence, Plan, PlannedWrite, ProductFinding, RoleEvidence,
    VersionVerdict,
};
use crate::cloud::CloudEndpoints;
use crate::dataverse::roles::Role;
use crate::dataverse::solutions::Solution;
use crate::dataverse::users::AppUser;
use crate::error::Remedy;
use crate::graph::Consent;
use crate::ids::{AppId, BusinessUnitId, TenantId};
use crate::preset::{Preset, Version};
use crate::procedure::read::inspection::Inspection;

/// The product as the inspection found it, or `None` when the preset requires no product.
pub(crate) fn product_finding(preset: &Preset, facts: &Inspection) -> Option<ProductFinding> {
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

/// What the verdict leaves the procedure to do.
#[derive(Debug, Clone)]
pub(crate) enum Decision {
    /// Stop here: nothing this tool may do (the assessment says why).
    Stop(Assessment),
    /// The application user is already configured: this proves it.
    Configured(Evidence),
    /// Write `plan` for the user (`None`: none yet) in `root`, with `roles` resolved there.
    Setup {
        plan: Plan,
        root: BusinessUnitId,
        roles: Vec<Role>,
        user: Option<AppUser>,
    },
}

impl Decision {
    /// The verdict as the record and the admin see it.
    pub(crate) fn assessment(&self) -> Assessment {
        match self {
            Decision::Stop(a) => a.clone(),
            Decision::Configured(evidence) => Assessment::Configured {
                evidence: evidence.clone(),
            },
            Decision::Setup { plan, .. } => Assessment::NeedsSetup { plan: plan.clone() },
        }
    }
}

/// The verdict, checked in the order a person would fix things.
pub(crate) fn assess(cx: &AssessContext<'_>, facts: &Inspection) -> Decision {
    // Installed is what the roles say; only a known version below the minimum blocks, an
    // unknown one is a note (`ProductFinding::note`) and setup goes on.
    if let Some(f) = product_finding(cx.preset, facts) {
        let found = match f.verdict {
            VersionVerdict::NotInstalled => Some(None),
            VersionVerdict::TooOld => Some(f.version.clone()),
            VersionVerdict::Sufficient | VersionVerdict::Unknown => None,
        };
        if let Some(found) = found {
            return Decision::Stop(Assessment::NotInstalled {
                remedy: Remedy::InstallOrUpgradeProduct {
                    product: f.product,
                    found: found.clone(),
                    required: f.required,
                },
                found,
            });
        }
    }
    if !facts.caller_is_privileged() {
        return Decision::Stop(Assessment::CallerLacksPrivileges {
            remedy: Remedy::NotSystemAdministrator,
        });
    }
    let Some(root) = facts.root() else {
        return Decision::Stop(Assessment::Blocked {
            reason: BlockReason::NoRootBusinessUnit {
                found: facts.root_business_units.len(),
            },
            remedy: Remedy::CheckBusinessUnits,
        });
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
            return Decision::Stop(Assessment::Blocked { reason, remedy });
        }
    };
    let (live, deleted) = users_of(&facts.app_users, cx.app);
    if matches!(facts.consent_of(cx.app), Some(Consent::Absent)) {
        return Decision::Stop(Assessment::VendorNotConsented {
            app_id: cx.app.clone(),
            remedy: Remedy::ConsentVendorApp {
                consent_url: cx.endpoints.admin_consent_url(cx.tenant, cx.app),
            },
        });
    }
    let user = match live.as_slice() {
        [] => {
            if let Some(d) = deleted.first() {
                return Decision::Stop(Assessment::Blocked {
                    reason: BlockReason::SoftDeletedAppUser {
                        user_id: d.id.clone(),
                    },
                    remedy: Remedy::PurgeDeletedAppUser,
                });
            }
            None
        }
        [one] => Some(*one),
        many => {
            return Decision::Stop(Assessment::Blocked {
                reason: BlockReason::SeveralAppUsers {
                    user_ids: many.iter().map(|u| u.id.clone()).collect(),
                },
                remedy: Remedy::ReadServiceMessage {
                    code: None,
                    message: "Dataverse holds several application users for one app; remove the extra ones in the Power Platform admin center.".into(),
                },
            });
        }
    };
    if let Some(u) = user {
        if u.business_unit_id.as_ref() != Some(&root.id) {
            return Decision::Stop(Assessment::Blocked {
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
            });
        }
    }
    let plan = plan_for(cx.app, &root.id, &roles, user);
    match user {
        Some(u) if plan.steps.is_empty() => {
            Decision::Configured(evidence_of(u, cx.app, cx.preset, facts, &roles, cx.now_ms))
        }
        _ => Decision::Setup {
            plan,
            root: root.id.clone(),
            roles,
            user: user.cloned(),
        },
    }
}
