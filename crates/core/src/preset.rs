//! The preset table: which vendor app, which roles, which product version. One source of truth.

use crate::ids::{AppId, BadGuid, Guid};
use serde::{Deserialize, Serialize};

/// Work 365's application id for its US data center.
pub const WORK365_US_APP_ID: &str = "e4b1a995-abe3-4350-a61c-65fccd32e8bd";
/// Work 365's application id for its EU data center.
pub const WORK365_EU_APP_ID: &str = "5e56ae97-9be1-40d3-938b-99ea52175a30";
/// The Work 365 service role.
pub const WORK365_SERVICE_ROLE: &str = "Work 365 Service";
/// The Work 365 portal service role.
pub const WORK365_PORTAL_ROLE: &str = "Work 365 Portal Service";
/// What a Work 365 solution's unique or display name contains (any case): the vendor writes
/// "Work 365"; a unique name cannot hold a space, so "Work365" too.
pub const WORK365_SOLUTION_NAMES: [&str; 2] = ["Work 365", "Work365"];
/// The role template id of System Administrator, the same in every environment.
pub const SYSTEM_ADMINISTRATOR_TEMPLATE_ID: &str = "627090ff-40a3-4053-8790-584edc5be201";

/// One data center of a vendor: its own Entra app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataCenter {
    /// Short key, e.g. `us`.
    pub key: String,
    /// Label for the admin, e.g. `United States`.
    pub label: String,
    /// The vendor app for this data center.
    pub app_id: AppId,
}

/// A dotted version such as `3.5.0.12`, compared numerically part by part.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Version(pub Vec<u32>);

impl Version {
    /// Parses `3.5`, `3.5.0.12`; `None` when any part is not a number.
    pub fn parse(s: &str) -> Option<Version> {
        let parts: Option<Vec<u32>> = s.trim().split('.').map(|p| p.parse().ok()).collect();
        let mut parts = parts?;
        // Trailing zeros do not make a version newer: 3.5 == 3.5.0.0.
        while parts.len() > 1 && parts.last() == Some(&0) {
            parts.pop();
        }
        Some(Version(parts))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

/// What the product needs installed in the environment before its app user makes sense.
///
/// The vendor documents the product's security roles, so finding them (in any business unit)
/// is what says it is installed. Solution names are *unconfirmed* ("Work 365 Core Solution"
/// is the only name the vendor's pages give): they only tell the version, matched leniently.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRequirement {
    /// Product name for messages.
    pub product: String,
    /// A solution whose unique name or display name contains one of these, ignoring case, is
    /// the product's; the newest readable version among them is the product's version.
    pub solution_names: Vec<String>,
    /// The minimum version; only a known version below it blocks.
    pub min_version: Version,
    /// The product's model-driven app `uniquename`, for the deep link in the guide.
    pub app_module_uniquename: Option<String>,
}

impl ProductRequirement {
    /// Whether a solution with these names is the product's (the same rule the Dataverse
    /// query asks with `contains`, applied again here so that no server-side collation decides).
    pub fn matches_solution(&self, uniquename: &str, friendlyname: Option<&str>) -> bool {
        let hay = |s: &str| s.to_lowercase();
        let (unique, friendly) = (hay(uniquename), friendlyname.map(hay).unwrap_or_default());
        self.solution_names.iter().any(|n| {
            let n = n.to_lowercase();
            !n.is_empty() && (unique.contains(&n) || friendly.contains(&n))
        })
    }
}

/// A preset: the vendor app(s), the roles its application user must hold, and what must be installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preset {
    /// Stable key (`work365`, `custom`).
    pub key: String,
    /// Label for the admin.
    pub label: String,
    /// One entry per data center; the procedure picks or asks when there are several.
    pub data_centers: Vec<DataCenter>,
    /// Role names, resolved in the root business unit; all are mandatory.
    pub roles: Vec<String>,
    /// Product that must be installed, if any.
    pub requirement: Option<ProductRequirement>,
    /// Whether the guide for the vendor's manual switch applies.
    pub has_work365_guide: bool,
}

/// Why a custom preset was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PresetError {
    /// The app id is not a GUID.
    #[error("application id: {0}")]
    BadAppId(#[from] BadGuid),
    /// No role was named.
    #[error("name at least one security role")]
    NoRoles,
    /// A role name is blank or too long.
    #[error("role name {0:?} is empty or longer than 100 characters")]
    BadRoleName(String),
}

impl Preset {
    /// The Work 365 preset: US and EU apps, both roles, Work 365 3.5 or later.
    pub fn work365() -> Preset {
        Preset {
            key: "work365".into(),
            label: "Work 365".into(),
            data_centers: vec![
                DataCenter {
                    key: "us".into(),
                    label: "United States".into(),
                    app_id: AppId(
                        Guid::parse(WORK365_US_APP_ID).unwrap_or_else(|_| unreachable!()),
                    ),
                },
                DataCenter {
                    key: "eu".into(),
                    label: "Europe".into(),
                    app_id: AppId(
                        Guid::parse(WORK365_EU_APP_ID).unwrap_or_else(|_| unreachable!()),
                    ),
                },
            ],
            roles: vec![WORK365_SERVICE_ROLE.into(), WORK365_PORTAL_ROLE.into()],
            requirement: Some(ProductRequirement {
                product: "Work 365".into(),
                solution_names: WORK365_SOLUTION_NAMES.iter().map(|n| (*n).into()).collect(),
                min_version: Version(vec![3, 5]),
                app_module_uniquename: Some("Work365".into()),
            }),
            has_work365_guide: true,
        }
    }

    /// A custom preset: any app id and role names; no product check, no vendor guide.
    pub fn custom(label: &str, app_id: &str, roles: &[&str]) -> Result<Preset, PresetError> {
        let app_id = AppId::parse(app_id)?;
        if roles.is_empty() {
            return Err(PresetError::NoRoles);
        }
        let mut names = Vec::new();
        for r in roles {
            let t = r.trim();
            if t.is_empty() || t.len() > 100 {
                return Err(PresetError::BadRoleName((*r).to_owned()));
            }
            if !names.iter().any(|n: &String| n == t) {
                names.push(t.to_owned());
            }
        }
        Ok(Preset {
            key: "custom".into(),
            label: if label.trim().is_empty() {
                "Custom".into()
            } else {
                label.trim().into()
            },
            data_centers: vec![DataCenter {
                key: "custom".into(),
                label: "Custom".into(),
                app_id,
            }],
            roles: names,
            requirement: None,
            has_work365_guide: false,
        })
    }

    /// The data center with this app id, if the preset has it.
    pub fn data_center(&self, app: &AppId) -> Option<&DataCenter> {
        self.data_centers.iter().find(|d| &d.app_id == app)
    }
}

/// The Work 365 manual switch, step by step, as the admin confirms it.
pub const WORK365_GUIDE_STEPS: [&str; 4] = [
    "Open Work 365 in this environment, then Admin Hub → Change Service User.",
    "Choose \"Application User\" and press Proceed.",
    "From the same menu, choose Clear Cache.",
    "Hover the person icon: it shows the application id above. Confirm it matches.",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work365_preset_has_both_data_centers_and_roles() {
        let p = Preset::work365();
        assert_eq!(p.data_centers.len(), 2);
        assert_eq!(p.data_centers[0].app_id.as_str(), WORK365_US_APP_ID);
        assert_eq!(p.roles, vec![WORK365_SERVICE_ROLE, WORK365_PORTAL_ROLE]);
    }

    #[test]
    fn work365_solutions_match_by_either_name_in_any_case() {
        let p = Preset::work365();
        let req = p.requirement.as_ref().unwrap();
        for (unique, friendly) in [
            ("Work365Core", Some("Core")),
            ("w365_Core", Some("Work 365 Core Solution")),
            ("contoso_WORK365_portal", None),
            ("x", Some("work 365 portal solution")),
        ] {
            assert!(
                req.matches_solution(unique, friendly),
                "{unique} {friendly:?}"
            );
        }
        for (unique, friendly) in [
            ("Default", Some("Default Solution")),
            ("Work_365", Some("Work 36 5")),
        ] {
            assert!(!req.matches_solution(unique, friendly), "{unique}");
        }
    }

    #[test]
    fn versions_compare_numerically() {
        let v = |s| Version::parse(s).unwrap();
        assert!(v("3.10") > v("3.5"));
        assert!(v("3.5.0.0") >= v("3.5"));
        assert!(v("3.4.99") < v("3.5"));
        assert_eq!(Version::parse("3.x"), None);
    }

    #[test]
    fn custom_preset_validates_input() {
        assert!(Preset::custom(
            "x",
            "{E4B1A995-ABE3-4350-A61C-65FCCD32E8BD}",
            &["A", "A", "B"]
        )
        .is_ok_and(|p| p.roles.len() == 2));
        assert!(matches!(
            Preset::custom("x", "nope", &["A"]),
            Err(PresetError::BadAppId(_))
        ));
        assert_eq!(
            Preset::custom("x", WORK365_US_APP_ID, &[]),
            Err(PresetError::NoRoles)
        );
        assert!(matches!(
            Preset::custom("x", WORK365_US_APP_ID, &[" "]),
            Err(PresetError::BadRoleName(_))
        ));
    }
}
