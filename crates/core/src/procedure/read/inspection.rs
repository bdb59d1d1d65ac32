//! What the read-only inspection learned, filled in answer by answer.

use serde::{Deserialize, Serialize};

use crate::dataverse::app_modules::{self, AppModule};
use crate::dataverse::business_units::{self, BusinessUnit};
use crate::dataverse::roles::{self, Role, RoleHolder};
use crate::dataverse::solutions::{self, Solution};
use crate::dataverse::users::{self, AppUser};
use crate::dataverse::whoami::{self, CallerRole, CurrentUser, WhoAmI};
use crate::error::ApiError;
use crate::graph::{self, Consent};
use crate::http::HttpResponse;
use crate::ids::{AppId, BusinessUnitId, RoleId};
use crate::preset::Preset;
use crate::procedure::decide::assessment::ProductFinding;
use crate::procedure::purpose::Purpose;

/// Everything the inspection read, as found. Serialisable for the run record and the UI.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inspection {
    /// The caller.
    pub caller: Option<WhoAmI>,
    /// The caller's direct roles.
    pub caller_roles: Vec<CallerRole>,
    /// Privilege checks made (only when no direct System Administrator role was seen).
    pub privileges: Vec<(String, bool)>,
    /// Business units without a parent (exactly one is expected).
    pub root_business_units: Vec<BusinessUnit>,
    /// Roles with the preset's names, in every business unit.
    pub roles: Vec<Role>,
    /// Application users for the preset's app ids, live or soft-deleted.
    pub app_users: Vec<AppUser>,
    /// Consent per app id.
    pub consent: Vec<(AppId, Consent)>,
    /// Solutions whose names look like the product's (as Dataverse's `contains` found them).
    pub solutions: Vec<Solution>,
    /// The product's model-driven app.
    pub app_module: Option<AppModule>,
    /// Holders of the service role (root copy): the licensed service account shows up here.
    pub role_holders: Vec<RoleHolder>,
    /// The product as the assessment read it (installed, version, from which solution).
    #[serde(default)]
    pub product: Option<ProductFinding>,
    /// Why the caller's roles were read by `WhoAmI`'s id in a round of their own: the first
    /// round's read of the signed-in user (`EqualUserId`) did not give them (its refusal, or
    /// no row of the caller). `None` when that read did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub caller_roles_by_id: Option<String>,
}

/// What the first round reads only to draw the facts from once it is complete: every role
/// copy's holders, and the signed-in user's rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct FirstRound {
    holders: Vec<(RoleId, Vec<RoleHolder>)>,
    current_user: Vec<CurrentUser>,
}

impl Inspection {
    /// Whether the caller holds System Administrator directly, or every needed privilege.
    pub fn caller_is_privileged(&self) -> bool {
        self.caller_roles
            .iter()
            .any(CallerRole::is_system_administrator)
            || (!self.privileges.is_empty()
                && whoami::NEEDED_PRIVILEGES
                    .iter()
                    .all(|p| self.privileges.iter().any(|(n, ok)| n == p && *ok)))
    }

    /// The root business unit when there is exactly one.
    pub fn root(&self) -> Option<&BusinessUnit> {
        match self.root_business_units.as_slice() {
            [one] => Some(one),
            _ => None,
        }
    }

    /// The root unit's copies of a role name (name compared as Dataverse does, ignoring case).
    pub fn roles_in(&self, bu: &BusinessUnitId, name: &str) -> Vec<&Role> {
        let mut v: Vec<&Role> = self
            .roles
            .iter()
            .filter(|r| {
                r.business_unit_id.as_ref() == Some(bu) && r.name.eq_ignore_ascii_case(name)
            })
            .collect();
        v.dedup_by(|a, b| a.id == b.id);
        v
    }

    /// Consent for an app id, if asked.
    pub fn consent_of(&self, app: &AppId) -> Option<&Consent> {
        self.consent.iter().find(|(a, _)| a == app).map(|(_, c)| c)
    }

    /// Records what is known of an app's consent, replacing an earlier answer.
    pub(crate) fn set_consent(&mut self, app: &AppId, consent: Consent) {
        self.consent.retain(|(a, _)| a != app);
        self.consent.push((app.clone(), consent));
    }

    /// Licensed service accounts (people-type users holding the service role).
    pub fn service_accounts(&self) -> Vec<&RoleHolder> {
        self.role_holders
            .iter()
            .filter(|h| h.applicationid.is_none() && h.islicensed.unwrap_or(false))
            .collect()
    }

    /// Draws what the first round's answers tell together: the holders of the root copy of
    /// the preset's first (service) role, and the caller's roles from its own row. Returns
    /// whether the caller's roles are known; when not, they are read by `WhoAmI`'s id.
    pub(crate) fn settle_first_round(&mut self, preset: &Preset, first: FirstRound) -> bool {
        let FirstRound {
            holders,
            current_user: rows,
        } = first;
        if let (Some(root), Some(first)) = (self.root(), preset.roles.first()) {
            if let [role] = self.roles_in(&root.id, first).as_slice() {
                self.role_holders = holders
                    .into_iter()
                    .filter(|(id, _)| id == &role.id)
                    .flat_map(|(_, h)| h)
                    .collect();
            }
        }
        let Some(caller) = &self.caller else {
            return false;
        };
        match rows.into_iter().find(|r| r.user_id == caller.user_id) {
            Some(row) => {
                self.caller_roles = row.roles;
                true
            }
            None => {
                if self.caller_roles_by_id.is_none() {
                    self.caller_roles_by_id = Some(
                        "reading the signed-in user with EqualUserId gave no row of the caller"
                            .into(),
                    );
                }
                false
            }
        }
    }

    /// Reads one answer into the facts (what only the first round's end draws on into
    /// `first`, when it is that round); returns the next page's URL when there is one.
    pub(crate) fn absorb(
        &mut self,
        purpose: &Purpose,
        resp: &HttpResponse,
        mut first: Option<&mut FirstRound>,
    ) -> Result<Option<String>, ApiError> {
        let next = match purpose {
            Purpose::WhoAmI => {
                self.caller = Some(whoami::parse_who_am_i(resp)?);
                None
            }
            Purpose::RootBusinessUnit => {
                let p = business_units::parse_business_units(resp)?;
                self.root_business_units.extend(p.value);
                p.next_link
            }
            Purpose::Roles => {
                let p = roles::parse_roles_with_holders(resp)?;
                for r in p.value {
                    if let Some(first) = first.as_deref_mut() {
                        if !r.holders.is_empty() {
                            first.holders.push((r.role.id.clone(), r.holders));
                        }
                    }
                    self.roles.push(r.role);
                }
                p.next_link
            }
            Purpose::CurrentUserRoles => {
                // Not fatal: the caller's roles are then read by id (`settle_first_round`).
                match whoami::parse_current_user(resp) {
                    Ok(p) => {
                        if let Some(first) = first {
                            first.current_user.extend(p.value);
                        }
                        p.next_link
                    }
                    Err(e) => {
                        self.caller_roles_by_id = Some(format!(
                            "reading the signed-in user with EqualUserId was refused: {e}"
                        ));
                        None
                    }
                }
            }
            Purpose::AppUsers => {
                let p = users::parse_app_users(resp)?;
                self.app_users.extend(p.value);
                p.next_link
            }
            Purpose::ServicePrincipal(app) => {
                // Graph only tells whether consent is known; an answer it cannot read says
                // nothing about the tenant, so it is "unknown", never the end of the run.
                let c = graph::parse_service_principal(resp).unwrap_or_else(|e| Consent::Unknown {
                    reason: e.to_string(),
                });
                self.set_consent(app, c);
                None
            }
            Purpose::Solutions => {
                let p = solutions::parse_solutions(resp)?;
                self.solutions.extend(p.value);
                p.next_link
            }
            Purpose::AppModule => {
                let p = app_modules::parse_app_modules(resp)?;
                if self.app_module.is_none() {
                    self.app_module = p.value.into_iter().next();
                }
                None
            }
            Purpose::CallerRoles => {
                let p = whoami::parse_caller_roles(resp)?;
                self.caller_roles.extend(p.value);
                p.next_link
            }
            Purpose::Privilege(name) => {
                // Unconfirmed endpoint: any refusal counts as "not shown to hold it", never as fatal.
                let ok = resp.is_success() && whoami::parse_caller_privilege(resp).unwrap_or(false);
                self.privileges.push((name.clone(), ok));
                None
            }
            // Re-reads and writes are handled by the procedure itself.
            _ => None,
        };
        Ok(next)
    }
}
