//! What a run is for: the environment, the preset and cloud, the mode, and the knobs.

use serde::{Deserialize, Serialize};

use super::retry::RetryPolicy;
use crate::cloud::CloudEndpoints;
use crate::discovery::Instance;
use crate::ids::{AppId, EnvironmentId, TenantId};
use crate::preset::Preset;

/// Which environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentRef {
    /// Power Platform environment id, when known (from discovery).
    pub id: Option<EnvironmentId>,
    /// Display name.
    pub name: String,
    /// Origin, e.g. `https://contoso.crm.dynamics.com`.
    pub url: String,
}

impl EnvironmentRef {
    /// The environment discovery listed as `instance`.
    pub fn of(instance: &Instance) -> EnvironmentRef {
        EnvironmentRef {
            id: Some(instance.environment_id.clone()),
            name: instance.friendly_name.clone(),
            url: instance.origin(),
        }
    }
}

/// What to do in the environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Inspect, plan, apply, verify (and guide).
    Setup,
    /// Inspect and assess only; never writes.
    Assess,
    /// Remove the preset's roles from the application user and disable it.
    Undo,
}

impl Mode {
    /// The mode as records and stored runs name it (`setup`, `assess`, `undo`).
    pub fn key(self) -> &'static str {
        match self {
            Mode::Setup => "setup",
            Mode::Assess => "assess",
            Mode::Undo => "undo",
        }
    }
}

/// Which environment, preset and cloud a run is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// The environment.
    pub environment: EnvironmentRef,
    /// The preset.
    pub preset: Preset,
    /// The cloud's endpoints (Graph for consent, authority for the consent link).
    pub endpoints: CloudEndpoints,
    /// The tenant, for the consent link.
    pub tenant_id: Option<TenantId>,
    /// A data center chosen beforehand (skips the choice).
    pub data_center: Option<AppId>,
    /// Discovery lists the environment as disabled: the run sends nothing and stops blocked.
    #[serde(default)]
    pub disabled: bool,
}

impl Target {
    /// For an environment found by discovery.
    pub fn from_instance(instance: &Instance, preset: Preset, endpoints: CloudEndpoints) -> Target {
        Target {
            environment: EnvironmentRef::of(instance),
            preset,
            endpoints,
            tenant_id: instance.tenant_id.clone(),
            data_center: None,
            disabled: instance.is_disabled(),
        }
    }
}

/// Knobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// Setup, assess only, or undo.
    pub mode: Mode,
    /// Ask before writing (the plan or the undo).
    pub confirm_plan: bool,
    /// Guide the vendor's manual switch after verification.
    pub guide: bool,
    /// Guide steps the admin confirmed before a reload interrupted the run: the guide resumes
    /// at the next one, and the record notes the earlier ones as confirmed before the reload.
    #[serde(default)]
    pub guide_confirmed: usize,
    /// Retries and waits.
    pub retry: RetryPolicy,
    /// Seed for backoff jitter, mixed with the environment's address (see
    /// [`super::retry::Jitter::for_environment`]): the app passes one random value per page load,
    /// so concurrent runs back off apart; a run replays exactly given its seed.
    pub seed: u64,
    /// Take the environment's write lock ([`Command::Lock`]) before the first write. The app
    /// does; sans-IO tests that script every request leave it off.
    #[serde(default)]
    pub write_lock: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: Mode::Setup,
            confirm_plan: true,
            guide: true,
            guide_confirmed: 0,
            retry: RetryPolicy::default(),
            seed: 0x5EED,
            write_lock: false,
        }
    }
}

impl Options {
    /// No prompts except a data-center choice: for batches and tests.
    pub fn unattended(mode: Mode) -> Options {
        Options {
            mode,
            confirm_plan: false,
            guide: false,
            ..Options::default()
        }
    }
}
