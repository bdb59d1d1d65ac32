//! What the procedure asks the admin, and the answers it accepts.

use super::decide::assessment::{Evidence, Plan};
use crate::graph::Consent;
use crate::ids::AppId;
use serde::{Deserialize, Serialize};

/// One data center offered for choice, with what the procedure saw about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataCenterOption {
    /// Key, e.g. `us`.
    pub key: String,
    /// Label.
    pub label: String,
    /// The vendor app of that data center.
    pub app_id: AppId,
    /// Consent in the tenant, if Graph was asked.
    pub consent: Option<Consent>,
    /// Whether an application user for it exists (live or deleted).
    pub has_app_user: bool,
}

/// A question for the admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "prompt", rename_all = "kebab-case")]
pub enum Prompt {
    /// Which data center the tenant uses; answer with [`PromptAnswer::DataCenter`].
    ChooseDataCenter {
        /// The choices.
        options: Vec<DataCenterOption>,
    },
    /// Apply this plan? Answer [`PromptAnswer::Proceed`] or [`PromptAnswer::Decline`].
    ConfirmPlan {
        /// The writes to make.
        plan: Plan,
    },
    /// Undo: remove the preset's roles and disable the user? Proceed or Decline.
    ConfirmUndo {
        /// The writes to make.
        plan: Plan,
    },
    /// One step of the vendor's manual switch; answer Confirmed when done, or Skip to stop guiding.
    GuideStep {
        /// 0-based step number.
        index: usize,
        /// Number of steps.
        total: usize,
        /// What to do.
        text: String,
        /// Link straight into the product's app in this environment, when found.
        deep_link: Option<String>,
        /// The app id the admin should see at the end.
        app_id: AppId,
        /// The verified application user, so the admin sees the proof before switching.
        #[serde(default)]
        evidence: Option<Box<Evidence>>,
    },
}

/// The admin's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "answer", rename_all = "kebab-case")]
pub enum PromptAnswer {
    /// Chosen data center.
    DataCenter {
        /// Its app id.
        app_id: AppId,
    },
    /// Go ahead.
    Proceed,
    /// Do not.
    Decline,
    /// The guide step is done.
    Confirmed,
    /// Stop the guide here.
    Skip,
}
