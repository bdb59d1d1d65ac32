//! A run found in the tab's storage — after a reload, in a duplicated tab (which gets a copy of
//! sessionStorage), or in a session the browser restored — is checked here before anything is
//! offered, and offered before anything is written.
//!
//! sessionStorage is the page's own, but a duplicated tab, an extension of the browser or a
//! person at the console can put anything there; what comes back is treated as input: an app id
//! or mode that is not the preset's, an environment the discovery service does not list, or a
//! record that does not parse is refused with a message, and the caller writes nothing.

use serde::{Deserialize, Serialize};

use crate::ids::AppId;
use crate::preset::Preset;
use crate::procedure::Mode;
use crate::record::EnvironmentRef;

/// After this long, a stored run is offered for re-inspection only: nothing is written without
/// a new plan confirmation.
pub const FRESH_FOR_MS: u64 = 60 * 60 * 1000;

/// How far in the future a saved time may be (clock adjustments) before it is not believed.
const CLOCK_SLACK_MS: u64 = 5 * 60 * 1000;

/// An unfinished run as the app keeps it in sessionStorage (never a token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredRun {
    /// Who started it (sign-in name).
    pub operator: String,
    /// The cloud's key.
    pub cloud: String,
    /// `setup` or `undo`.
    pub mode: String,
    /// A batch over the dashboard's selection, or one environment view's run.
    pub batch: bool,
    /// The environments (EnvironmentIds as text), in order.
    pub environments: Vec<String>,
    /// Those that finished (their records are kept).
    #[serde(default)]
    pub finished: Vec<String>,
    /// The data center's app id, once chosen (one environment's run).
    #[serde(default)]
    pub data_center: Option<String>,
    /// Whether the admin had confirmed the plan.
    #[serde(default)]
    pub plan_confirmed: bool,
    /// When it was last saved (Unix ms).
    pub saved_at_ms: u64,
}

/// Who is signed in now, what the preset allows, and what discovery lists.
#[derive(Debug, Clone, Copy)]
pub struct ResumeContext<'a> {
    /// The preset runs use.
    pub preset: &'a Preset,
    /// The signed-in admin's sign-in name.
    pub operator: &'a str,
    /// The cloud's key.
    pub cloud: &'a str,
    /// The environments discovery listed.
    pub environments: &'a [EnvironmentRef],
    /// Now (Unix ms).
    pub now_ms: u64,
}

/// A validated stored run, offered to the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResumeOffer {
    /// Setup or undo.
    pub mode: Mode,
    /// A batch, or one environment view's run.
    pub batch: bool,
    /// The environments still pending, as discovery names them.
    pub pending: Vec<EnvironmentRef>,
    /// How many had finished.
    pub finished: usize,
    /// The data center already chosen.
    pub data_center: Option<AppId>,
    /// Whether the plan had been confirmed (continuing then asks no more; never for a stale run).
    pub plan_confirmed: bool,
    /// Older than [`FRESH_FOR_MS`]: offered for re-inspection only.
    pub reinspect_only: bool,
    /// How old it is.
    pub age_ms: u64,
}

impl ResumeOffer {
    /// "2 environments were being set up when this page closed".
    pub fn headline(&self) -> String {
        let n = self.pending.len();
        let doing = match self.mode {
            Mode::Undo => "undone",
            _ => "set up",
        };
        if n == 1 {
            format!("1 environment was being {doing} when this page closed")
        } else {
            format!("{n} environments were being {doing} when this page closed")
        }
    }
}

/// Why a stored run is not offered. Nothing is written either way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoredRunError {
    /// Not a record this tool writes.
    #[error("the stored run is unreadable ({detail})")]
    Malformed {
        /// What is wrong.
        detail: String,
    },
    /// A mode this tool never stores for resuming.
    #[error("the stored run has mode {mode:?}, which this tool never resumes")]
    Mode {
        /// As stored.
        mode: String,
    },
    /// An app id that is not one of the preset's data centers.
    #[error("the stored run names application id {app_id}, which is not one of {preset}'s")]
    AppId {
        /// As stored.
        app_id: String,
        /// The preset's label.
        preset: String,
    },
    /// An environment the discovery service does not list for this account.
    #[error("the stored run names environment {id:?}, which the discovery service does not list for you")]
    UnknownEnvironment {
        /// As stored.
        id: String,
    },
    /// Started by another sign-in or in another cloud.
    #[error("the stored run was started by {operator} in the {cloud} cloud, not by this sign-in")]
    OtherOperator {
        /// Who started it.
        operator: String,
        /// Where.
        cloud: String,
    },
}

impl StoredRunError {
    /// What the admin can do.
    pub fn remedy(&self) -> &'static str {
        match self {
            StoredRunError::OtherOperator { .. } => {
                "Nothing was written. Sign in as that account to continue it, or open the environments again from the dashboard."
            }
            _ => {
                "Nothing was written. Open the environments again from the dashboard: each is inspected afresh and nothing is written until you confirm its plan."
            }
        }
    }
}

/// Checks a stored run (its JSON as kept in sessionStorage): `Ok(None)` when nothing is left
/// to do, `Ok(Some(offer))` to ask the admin, `Err` to refuse with a message.
pub fn validate(
    json: &str,
    ctx: &ResumeContext<'_>,
) -> Result<Option<ResumeOffer>, StoredRunError> {
    let malformed = |detail: String| StoredRunError::Malformed { detail };
    let stored: StoredRun = serde_json::from_str(json).map_err(|e| malformed(e.to_string()))?;
    if stored.operator != ctx.operator || stored.cloud != ctx.cloud {
        return Err(StoredRunError::OtherOperator {
            operator: stored.operator,
            cloud: stored.cloud,
        });
    }
    let mode = match stored.mode.as_str() {
        "setup" => Mode::Setup,
        // A batch only ever sets up.
        "undo" if !stored.batch => Mode::Undo,
        _ => return Err(StoredRunError::Mode { mode: stored.mode }),
    };
    let data_center = match &stored.data_center {
        None => None,
        Some(text) => {
            let app = AppId::parse(text).map_err(|e| malformed(e.to_string()))?;
            if ctx.preset.data_center(&app).is_none() {
                return Err(StoredRunError::AppId {
                    app_id: text.clone(),
                    preset: ctx.preset.label.clone(),
                });
            }
            Some(app)
        }
    };
    if stored.environments.is_empty() {
        return Err(malformed("it names no environment".into()));
    }
    if !stored.batch && stored.environments.len() > 1 {
        return Err(malformed("one environment's run names several".into()));
    }
    if stored.batch && data_center.is_some() {
        return Err(malformed("a batch carries no data center".into()));
    }
    if stored.saved_at_ms > ctx.now_ms.saturating_add(CLOCK_SLACK_MS) {
        return Err(malformed("it was saved in the future".into()));
    }
    let mut pending = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for id in &stored.environments {
        if seen.iter().any(|s| s.eq_ignore_ascii_case(id)) {
            return Err(malformed(format!("environment {id:?} is listed twice")));
        }
        seen.push(id);
        let known = ctx
            .environments
            .iter()
            .find(|e| {
                e.id.as_ref()
                    .is_some_and(|k| k.to_string().eq_ignore_ascii_case(id))
            })
            .ok_or_else(|| StoredRunError::UnknownEnvironment { id: id.clone() })?;
        if !stored.finished.iter().any(|f| f.eq_ignore_ascii_case(id)) {
            pending.push(known.clone());
        }
    }
    if let Some(stray) = stored
        .finished
        .iter()
        .find(|f| !seen.iter().any(|s| s.eq_ignore_ascii_case(f)))
    {
        return Err(malformed(format!(
            "environment {stray:?} is finished but not part of the run"
        )));
    }
    if pending.is_empty() {
        return Ok(None);
    }
    let age_ms = ctx.now_ms.saturating_sub(stored.saved_at_ms);
    let reinspect_only = age_ms > FRESH_FOR_MS;
    Ok(Some(ResumeOffer {
        mode,
        batch: stored.batch,
        finished: stored.environments.len() - pending.len(),
        pending,
        data_center,
        plan_confirmed: stored.plan_confirmed && !reinspect_only,
        reinspect_only,
        age_ms,
    }))
}
