//! What a dashboard row shows, read off one run's record. The verdict is the core's; this only
//! sorts it into the statuses the page (and its automation hooks) use.

use w365_core::error::Remedy;
use w365_core::graph::Consent;
use w365_core::preset::Preset;
use w365_core::procedure::assessment::Assessment;
use w365_core::procedure::assessment::ProductFinding;
use w365_core::procedure::prompt::DataCenterOption;
use w365_core::procedure::{Outcome, ProcedureError};
use w365_core::record::EnvironmentRun;

use crate::ui::consent_unknown::{unknown_consents, UnknownConsent};

/// The overall status of an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowStatus {
    NotInstalled,
    NoAccess,
    NotConsented,
    NeedsSetup,
    Configured,
    Blocked,
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

    /// The `data-status` value.
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

    /// Parses a `data-status` value.
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppUserState {
    Absent,
    Deleted,
    Disabled,
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

/// A licensed (or not) account holding the service role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccount {
    pub name: String,
    pub licensed: bool,
}

/// Everything one dashboard row shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowInfo {
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
    pub app_user: AppUserState,
    /// Each preset role and whether the application user holds it.
    pub roles: Vec<(String, bool)>,
    pub service_account: Option<ServiceAccount>,
    /// Vendor apps whose consent Graph could not tell (shown with the admin-consent link).
    pub consent_unknown: Vec<UnknownConsent>,
}

impl RowInfo {
    /// Reads a run. `asked` holds the data-center options when the core had to ask (the
    /// dashboard answers with the first one only to learn the rest of the verdict).
    pub fn from_run(run: &EnvironmentRun, asked: Option<&[DataCenterOption]>) -> RowInfo {
        let preset = Preset::work365();
        let inspection = run.inspection.clone().unwrap_or_default();
        let product = inspection.product.clone();
        let chosen = if asked.is_some() {
            None
        } else {
            run.data_center.clone()
        };
        let data_center = chosen.as_ref().and_then(|app| {
            preset
                .data_centers
                .iter()
                .find(|d| &d.app_id == app)
                .map(|d| d.label.clone())
        });
        let users: Vec<_> = inspection
            .app_users
            .iter()
            .filter(|u| match &chosen {
                Some(app) => u.app_id.as_ref() == Some(app),
                None => true,
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
        let consent_unknown = unknown_consents(&inspection, chosen.as_ref());
        RowInfo {
            status,
            reason,
            remedy,
            inspected: run.requests > 0,
            product,
            data_center,
            app_user,
            roles,
            service_account,
            consent_unknown,
        }
    }
}

impl RowInfo {
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
            let status = match (&remedy, error) {
                (Remedy::NotSystemAdministrator, _) => RowStatus::NoAccess,
                (_, ProcedureError::Throttled { .. }) => RowStatus::Error,
                _ => RowStatus::Error,
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
