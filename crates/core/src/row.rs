//! What a dashboard row says about one environment, read off its run's record: a status the
//! admin can sort and filter by, why, what to do, and the facts behind it.

use serde::{Deserialize, Serialize};

use crate::error::Remedy;
use crate::graph::Consent;
use crate::ids::AppId;
use crate::preset::Preset;
use crate::procedure::assessment::{Assessment, ProductFinding};
use crate::procedure::inspection::Inspection;
use crate::procedure::prompt::DataCenterOption;
use crate::procedure::Outcome;
use crate::record::EnvironmentRun;

/// The overall status of an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowStatus {
    /// The product is not installed, or too old.
    NotInstalled,
    /// The admin may not set it up here.
    NoAccess,
    /// The vendor's app is not consented in the tenant.
    NotConsented,
    /// Writes are needed.
    NeedsSetup,
    /// The application user is configured.
    Configured,
    /// Something a person must fix first.
    Blocked,
    /// The run failed.
    Error,
    /// A discovery row the client cannot use (never inspected, never selectable).
    Unusable,
}

impl RowStatus {
    /// Every status, in the order a person works through them.
    pub const ALL: [RowStatus; 8] = [
        RowStatus::NeedsSetup,
        RowStatus::NotConsented,
        RowStatus::Blocked,
        RowStatus::NoAccess,
        RowStatus::Error,
        RowStatus::Unusable,
        RowStatus::NotInstalled,
        RowStatus::Configured,
    ];

    /// The stable key (the UI's `data-status` value).
    pub fn key(self) -> &'static str {
        match self {
            RowStatus::NotInstalled => "not-installed",
            RowStatus::NoAccess => "no-access",
            RowStatus::NotConsented => "not-consented",
            RowStatus::NeedsSetup => "needs-setup",
            RowStatus::Configured => "configured",
            RowStatus::Blocked => "blocked",
            RowStatus::Error => "error",
            RowStatus::Unusable => "unusable",
        }
    }

    /// Parses a key.
    pub fn from_key(key: &str) -> Option<RowStatus> {
        RowStatus::ALL.into_iter().find(|s| s.key() == key)
    }

    /// Text for people.
    pub fn label(self) -> &'static str {
        match self {
            RowStatus::NotInstalled => "Work 365 not installed",
            RowStatus::NoAccess => "No access",
            RowStatus::NotConsented => "Vendor app not consented",
            RowStatus::NeedsSetup => "Needs setup",
            RowStatus::Configured => "Configured",
            RowStatus::Blocked => "Blocked",
            RowStatus::Error => "Error",
            RowStatus::Unusable => "Cannot be used",
        }
    }

    /// A text icon, so status never rests on colour alone.
    pub fn icon(self) -> &'static str {
        match self {
            RowStatus::Configured => "✓",
            RowStatus::NeedsSetup => "●",
            RowStatus::NotInstalled => "–",
            RowStatus::NoAccess | RowStatus::NotConsented | RowStatus::Blocked => "!",
            RowStatus::Error | RowStatus::Unusable => "✕",
        }
    }

    /// Sort rank: what needs the admin first.
    pub fn rank(self) -> usize {
        RowStatus::ALL
            .iter()
            .position(|s| *s == self)
            .unwrap_or(usize::MAX)
    }
}

/// The application user as found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppUserState {
    /// None exists.
    Absent,
    /// Only a soft-deleted one lingers.
    Deleted,
    /// It exists, disabled.
    Disabled,
    /// It exists, enabled.
    Present,
}

impl AppUserState {
    /// Text for people.
    pub fn label(self) -> &'static str {
        match self {
            AppUserState::Absent => "absent",
            AppUserState::Deleted => "deleted (lingers)",
            AppUserState::Disabled => "disabled",
            AppUserState::Present => "present",
        }
    }
}

/// An account (licensed or not) holding the service role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceAccount {
    /// Its name, sign-in name or id.
    pub name: String,
    /// Whether it consumes a license.
    pub licensed: bool,
}

/// One vendor app whose consent Microsoft Graph could not tell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnknownConsent {
    /// The vendor app.
    pub app_id: AppId,
    /// The data center's label (e.g. "United States").
    pub label: String,
    /// Why Graph could not tell, as the inspection put it.
    pub reason: String,
}

/// The vendor apps whose consent is unknown: the chosen data center's, or every one asked
/// about when none is chosen yet.
pub fn unknown_consents(
    inspection: &Inspection,
    preset: &Preset,
    chosen: Option<&AppId>,
) -> Vec<UnknownConsent> {
    inspection
        .consent
        .iter()
        .filter(|(app, _)| chosen.is_none_or(|c| c == app))
        .filter_map(|(app, consent)| match consent {
            Consent::Unknown { reason } => Some(UnknownConsent {
                app_id: app.clone(),
                label: preset
                    .data_center(app)
                    .map_or_else(|| app.to_string(), |d| d.label.clone()),
                reason: reason.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// Everything one dashboard row shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowInfo {
    /// The status.
    pub status: RowStatus,
    /// One line: why this status.
    pub reason: String,
    /// What to do, when a person must act.
    pub remedy: Option<String>,
    /// Whether the environment was asked anything (a disabled one is not).
    pub inspected: bool,
    /// The product as the core found it: installed, version, read from which solution.
    pub product: Option<ProductFinding>,
    /// Data center label; `None` = not determined.
    pub data_center: Option<String>,
    /// The application user as found (after writes: as read back).
    pub app_user: AppUserState,
    /// Each preset role and whether the application user holds it.
    pub roles: Vec<(String, bool)>,
    /// The account holding the service role that the application user replaces.
    pub service_account: Option<ServiceAccount>,
    /// Vendor apps whose consent Graph could not tell (shown with the admin-consent link).
    pub consent_unknown: Vec<UnknownConsent>,
}

impl RowInfo {
    /// Reads a run of `preset`. `asked` holds the data-center options when the procedure had
    /// to ask (an inspection answers with the first one only to learn the rest of the verdict).
    pub fn from_run(
        run: &EnvironmentRun,
        preset: &Preset,
        asked: Option<&[DataCenterOption]>,
    ) -> RowInfo {
        let inspection = run.inspection.clone().unwrap_or_default();
        let chosen = if asked.is_some() {
            None
        } else {
            run.data_center.clone()
        };
        let data_center = chosen
            .as_ref()
            .and_then(|app| preset.data_center(app))
            .map(|d| d.label.clone());
        let users: Vec<_> = inspection
            .app_users
            .iter()
            .filter(|u| {
                chosen
                    .as_ref()
                    .is_none_or(|app| u.app_id.as_ref() == Some(app))
            })
            .collect();
        let live = users.iter().find(|u| !u.is_soft_deleted());
        let mut app_user = match live {
            Some(u) if u.isdisabled => AppUserState::Disabled,
            Some(_) => AppUserState::Present,
            None if !users.is_empty() => AppUserState::Deleted,
            None => AppUserState::Absent,
        };
        let mut roles: Vec<(String, bool)> = preset
            .roles
            .iter()
            .map(|name| {
                let held =
                    live.is_some_and(|u| u.roles.iter().any(|r| r.name.eq_ignore_ascii_case(name)));
                (name.clone(), held)
            })
            .collect();
        // After writes, the read-back is the truth; the inspection shows the state before them.
        if let Some(e) = &run.evidence {
            app_user = if e.enabled {
                AppUserState::Present
            } else {
                AppUserState::Disabled
            };
            for (name, held) in &mut roles {
                *held = !e.missing_roles.iter().any(|m| m.eq_ignore_ascii_case(name));
            }
        }
        let service_account = inspection
            .role_holders
            .iter()
            .find(|h| h.applicationid.is_none())
            .map(|h| ServiceAccount {
                name: h
                    .fullname
                    .clone()
                    .or_else(|| h.domainname.clone())
                    .unwrap_or_else(|| h.id.to_string()),
                licensed: h.islicensed.unwrap_or(false),
            });
        let (status, reason, remedy) = verdict(run, asked);
        RowInfo {
            status,
            reason,
            remedy,
            inspected: run.requests > 0,
            product: inspection.product.clone(),
            data_center,
            app_user,
            roles,
            service_account,
            consent_unknown: unknown_consents(&inspection, preset, chosen.as_ref()),
        }
    }

    /// The product column: its version, "not installed", "installed, version unknown", or why
    /// nothing is known.
    pub fn version_text(&self) -> String {
        match (&self.product, self.inspected) {
            (Some(p), _) => p.summary(),
            (None, false) => "not inspected".into(),
            (None, true) => "—".into(),
        }
    }

    /// Where the version was read from, e.g. `read from solution Work365Core (“Work 365 Core”)`.
    pub fn version_source(&self) -> Option<String> {
        self.product
            .as_ref()
            .and_then(ProductFinding::source)
            .map(|s| format!("read from {s}"))
    }

    /// The warning when the product is installed but its version is unknown.
    pub fn version_note(&self) -> Option<String> {
        self.product.as_ref().and_then(ProductFinding::note)
    }
}

fn of_assessment(a: &Assessment) -> RowStatus {
    match a {
        Assessment::NotInstalled { .. } => RowStatus::NotInstalled,
        Assessment::CallerLacksPrivileges { .. } => RowStatus::NoAccess,
        Assessment::VendorNotConsented { .. } => RowStatus::NotConsented,
        Assessment::NeedsSetup { .. } => RowStatus::NeedsSetup,
        Assessment::Configured { .. } => RowStatus::Configured,
        Assessment::Blocked { .. } => RowStatus::Blocked,
    }
}

fn verdict(
    run: &EnvironmentRun,
    asked: Option<&[DataCenterOption]>,
) -> (RowStatus, String, Option<String>) {
    let remedy_of = |a: &Assessment| a.remedy().map(Remedy::text);
    match &run.outcome {
        Some(Outcome::Configured { already, .. }) => (
            RowStatus::Configured,
            if *already {
                "already configured".into()
            } else {
                "configured and verified".into()
            },
            None,
        ),
        Some(Outcome::Stopped { assessment }) => {
            let status = of_assessment(assessment);
            match (status, asked) {
                // The verdict was reached for the first data center only; what does not depend on
                // the data center stands, the rest waits for the admin's choice.
                (
                    RowStatus::NeedsSetup | RowStatus::NotConsented | RowStatus::Configured,
                    Some(options),
                ) => {
                    let none_consented = !options.is_empty()
                        && options
                            .iter()
                            .all(|o| matches!(o.consent, Some(Consent::Absent)));
                    if none_consented {
                        (
                            RowStatus::NotConsented,
                            "no data center's vendor app is consented".into(),
                            remedy_of(assessment),
                        )
                    } else {
                        (
                            RowStatus::NeedsSetup,
                            "needs setup; choose the data center (US or EU) when you open it"
                                .into(),
                            None,
                        )
                    }
                }
                _ => (status, assessment.summary(), remedy_of(assessment)),
            }
        }
        Some(Outcome::Undone { evidence: None }) => (
            RowStatus::NeedsSetup,
            "nothing to undo; no application user".into(),
            None,
        ),
        Some(Outcome::Undone { .. }) => (
            RowStatus::NeedsSetup,
            "undone: roles removed and application user disabled".into(),
            None,
        ),
        Some(Outcome::Failed { error }) => {
            let remedy = error.remedy();
            let status = if remedy == Remedy::NotSystemAdministrator {
                RowStatus::NoAccess
            } else {
                RowStatus::Error
            };
            (status, error.to_string(), Some(remedy.text()))
        }
        Some(Outcome::Cancelled) | None => match &run.assessment {
            Some(a) => (of_assessment(a), a.summary(), remedy_of(a)),
            None => (
                RowStatus::Error,
                "the inspection did not finish".into(),
                None,
            ),
        },
    }
}
