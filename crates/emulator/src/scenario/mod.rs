//! Scenario files: where they come from, loading with precise error paths, template
//! expansion (`template.rs`) and the tenant they describe (`build.rs`, `environment.rs`),
//! checked as it is built (`validate.rs`). The schema is `schema.rs` and SCENARIOS.md.

mod build;
mod environment;
pub mod schema;
mod template;
mod validate;

use std::path::PathBuf;

use crate::state;
pub use schema::*;

/// The scenarios shipped with the emulator, by name.
pub const SHIPPED: &[(&str, &str)] = &[
    ("demo", include_str!("../../scenarios/demo.json")),
    (
        "not-sysadmin",
        include_str!("../../scenarios/not-sysadmin.json"),
    ),
    (
        "not-consented",
        include_str!("../../scenarios/not-consented.json"),
    ),
    (
        "disabled-app-user",
        include_str!("../../scenarios/disabled-app-user.json"),
    ),
    (
        "roles-in-child-bu",
        include_str!("../../scenarios/roles-in-child-bu.json"),
    ),
    (
        "duplicate-role-names",
        include_str!("../../scenarios/duplicate-role-names.json"),
    ),
    (
        "both-consented",
        include_str!("../../scenarios/both-consented.json"),
    ),
    ("eu", include_str!("../../scenarios/eu.json")),
    (
        "soft-deleted-app-user",
        include_str!("../../scenarios/soft-deleted-app-user.json"),
    ),
    (
        "partial-setup",
        include_str!("../../scenarios/partial-setup.json"),
    ),
    ("batch-200", include_str!("../../scenarios/batch-200.json")),
    ("gcc-high", include_str!("../../scenarios/gcc-high.json")),
    (
        "single-tenant",
        include_str!("../../scenarios/single-tenant.json"),
    ),
    (
        "dynamics-consent-only",
        include_str!("../../scenarios/dynamics-consent-only.json"),
    ),
    (
        "solution-named-otherwise",
        include_str!("../../scenarios/solution-named-otherwise.json"),
    ),
    (
        "roles-without-solution",
        include_str!("../../scenarios/roles-without-solution.json"),
    ),
    (
        "old-version",
        include_str!("../../scenarios/old-version.json"),
    ),
];

/// Where a scenario comes from: a shipped name or a file path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioSource {
    Named(String),
    Path(PathBuf),
}

impl ScenarioSource {
    /// A shipped name when one matches, a path otherwise.
    pub fn parse(s: &str) -> Self {
        if SHIPPED.iter().any(|(n, _)| *n == s) {
            ScenarioSource::Named(s.to_string())
        } else {
            ScenarioSource::Path(PathBuf::from(s))
        }
    }

    fn describe(&self) -> String {
        match self {
            ScenarioSource::Named(n) => format!("scenarios/{n}.json"),
            ScenarioSource::Path(p) => p.display().to_string(),
        }
    }
}

impl Default for ScenarioSource {
    fn default() -> Self {
        ScenarioSource::Named("demo".into())
    }
}

/// Why a scenario was refused.
#[derive(Debug, Clone, thiserror::Error)]
#[error("scenario {file}: at {path}: {message}")]
pub struct ScenarioError {
    pub file: String,
    pub path: String,
    pub message: String,
}

/// Reads, parses, expands and validates a scenario into a live tenant.
pub fn load(source: &ScenarioSource) -> Result<state::Tenant, ScenarioError> {
    let file = source.describe();
    let text = match source {
        ScenarioSource::Named(n) => match SHIPPED.iter().find(|(name, _)| name == n) {
            Some((_, t)) => (*t).to_string(),
            None => {
                return Err(ScenarioError {
                    file,
                    path: "$".into(),
                    message: format!("no shipped scenario is named {n:?}"),
                })
            }
        },
        ScenarioSource::Path(p) => std::fs::read_to_string(p).map_err(|e| ScenarioError {
            file: file.clone(),
            path: "$".into(),
            message: format!("cannot read: {e}"),
        })?,
    };
    parse(&file, &text)
}

/// Parses scenario text; `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<state::Tenant, ScenarioError> {
    let err = |path: String, message: String| ScenarioError {
        file: file.to_string(),
        path,
        message,
    };
    let de = &mut serde_json::Deserializer::from_str(text);
    let mut scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        err(path, e.into_inner().to_string())
    })?;
    for (ri, repeat) in std::mem::take(&mut scenario.environment_repeats)
        .into_iter()
        .enumerate()
    {
        let template = serde_json::to_value(&repeat.template)
            .map_err(|e| err(format!("environment_repeats[{ri}].template"), e.to_string()))?;
        for n in 1..=repeat.count {
            let value = template::substitute(&template, n);
            let env: EnvironmentDef = serde_json::from_value(value).map_err(|e| {
                err(
                    format!("environment_repeats[{ri}].template (copy {n})"),
                    e.to_string(),
                )
            })?;
            scenario.environments.push(env);
        }
    }
    build::build(&scenario).map_err(|(path, message)| err(path, message))
}
