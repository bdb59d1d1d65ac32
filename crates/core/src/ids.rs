//! Newtype ids: a GUID for each kind of Dataverse or Entra object, never a bare string, and
//! the Power Platform environment id, which is a string (GDS documents `EnvironmentId` as one).
//!
//! Ids are stored in canonical form (GUIDs lowercase hyphenated), so they can be compared,
//! put into OData filters, URLs and storage without escaping, and serialised as plain strings.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// Why a text is not a GUID; quotes the input so the admin sees what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a GUID ({why}); expected 32 hex digits like e4b1a995-abe3-4350-a61c-65fccd32e8bd")]
pub struct BadGuid {
    /// The text as given.
    pub input: String,
    /// What exactly is wrong.
    pub why: &'static str,
}

/// A validated GUID in canonical lowercase hyphenated form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Guid(String);

impl Guid {
    /// Parses leniently: any case, optional braces, surrounding whitespace, hyphens optional.
    pub fn parse(input: &str) -> Result<Self, BadGuid> {
        let bad = |why| BadGuid {
            input: input.to_owned(),
            why,
        };
        let mut s = input.trim();
        if let Some(inner) = s.strip_prefix('{') {
            s = inner
                .strip_suffix('}')
                .ok_or_else(|| bad("unbalanced braces"))?;
        } else if s.ends_with('}') {
            return Err(bad("unbalanced braces"));
        }
        let hyphenated = s.contains('-');
        let digits: String = s.chars().filter(|c| *c != '-').collect();
        if digits.len() != 32 {
            return Err(bad("wrong length"));
        }
        if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad("not hexadecimal"));
        }
        // Hyphens, when present, must sit in the 8-4-4-4-12 places; anything else is a typo.
        if hyphenated {
            let groups: Vec<usize> = s.split('-').map(str::len).collect();
            if groups != [8, 4, 4, 4, 12] {
                return Err(bad("hyphens in the wrong places"));
            }
        }
        let d = digits.to_ascii_lowercase();
        Ok(Guid(format!(
            "{}-{}-{}-{}-{}",
            &d[0..8],
            &d[8..12],
            &d[12..16],
            &d[16..20],
            &d[20..32]
        )))
    }

    /// The canonical text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Guid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Guid::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Guid {
    type Err = BadGuid;
    fn from_str(s: &str) -> Result<Self, BadGuid> {
        Guid::parse(s)
    }
}

macro_rules! guid_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Guid);

        impl $name {
            /// Parses leniently (case, braces, whitespace); the error quotes the input.
            pub fn parse(input: &str) -> Result<Self, BadGuid> {
                Guid::parse(input).map(Self)
            }
            /// The canonical lowercase text, safe to put into OData filters and paths.
            pub fn as_str(&self) -> &str {
                self.0.as_str()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = BadGuid;
            fn from_str(s: &str) -> Result<Self, BadGuid> {
                Self::parse(s)
            }
        }
    };
}

/// Longest environment id accepted; Microsoft's are 36 (a GUID) or 44 (`Default-{tenant}`).
const ENVIRONMENT_ID_MAX: usize = 128;
/// The prefix of a tenant's default environment id: `Default-{tenantId}`.
const DEFAULT_PREFIX: &str = "Default-";

/// Why a text is not an environment id; quotes the input so the admin sees what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not an environment id ({why}); expected a GUID, Default-{{tenant GUID}}, or up to 128 letters, digits, '.', '_' and '-'")]
pub struct BadEnvironmentId {
    /// The text as given.
    pub input: String,
    /// What exactly is wrong.
    pub why: String,
}

/// A Power Platform environment id (GDS `EnvironmentId`, a string): a GUID, the default
/// environment's `Default-{tenantId}`, or another id of `[A-Za-z0-9._-]`. It goes into URLs,
/// `?env=` deep links and sessionStorage, so nothing else is accepted.
///
/// Canonical form: a GUID lowercase hyphenated; `Default-` (any case) and a GUID as `Default-`
/// and the lowercase GUID; any other accepted id as given. Ids compare by canonical form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct EnvironmentId(String);

impl EnvironmentId {
    /// Parses and canonicalises; surrounding whitespace is ignored, anything else unexpected is
    /// refused with the input quoted.
    pub fn parse(input: &str) -> Result<Self, BadEnvironmentId> {
        let bad = |why: String| BadEnvironmentId {
            input: input.to_owned(),
            why,
        };
        let s = input.trim();
        if s.is_empty() {
            return Err(bad("it is empty".into()));
        }
        if let Some(guid) = hyphenated_guid(s) {
            return Ok(EnvironmentId(guid));
        }
        let prefix = s.get(..DEFAULT_PREFIX.len()).unwrap_or_default();
        if prefix.eq_ignore_ascii_case(DEFAULT_PREFIX) {
            if let Some(guid) = hyphenated_guid(&s[DEFAULT_PREFIX.len()..]) {
                return Ok(EnvironmentId(format!("{DEFAULT_PREFIX}{guid}")));
            }
        }
        if s.len() > ENVIRONMENT_ID_MAX {
            return Err(bad(format!(
                "it is longer than {ENVIRONMENT_ID_MAX} characters"
            )));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        {
            return Err(bad(format!("it contains {c:?}")));
        }
        Ok(EnvironmentId(s.to_owned()))
    }

    /// The canonical text, safe in URLs, query strings and storage.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a tenant's default environment (`Default-{tenantId}`).
    pub fn is_default(&self) -> bool {
        self.0.starts_with(DEFAULT_PREFIX)
    }
}

/// `s` lowercased when it is a GUID in 8-4-4-4-12 form; other spellings are not GUIDs here,
/// since an environment id that is not one is kept exactly as given.
fn hyphenated_guid(s: &str) -> Option<String> {
    let groups: Vec<&str> = s.split('-').collect();
    let shape = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()));
    shape.then(|| s.to_ascii_lowercase())
}

impl fmt::Display for EnvironmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EnvironmentId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        EnvironmentId::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for EnvironmentId {
    type Err = BadEnvironmentId;
    fn from_str(s: &str) -> Result<Self, BadEnvironmentId> {
        EnvironmentId::parse(s)
    }
}

guid_newtype!(
    /// A Dataverse organization id (GDS `Id`, WhoAmI `OrganizationId`).
    OrganizationId
);
guid_newtype!(
    /// A Dataverse `systemuser` id.
    SystemUserId
);
guid_newtype!(
    /// A Dataverse security role id (one per role per business unit).
    RoleId
);
guid_newtype!(
    /// A Dataverse business unit id.
    BusinessUnitId
);
guid_newtype!(
    /// An Entra application (client) id, e.g. the vendor's app.
    AppId
);
guid_newtype!(
    /// An Entra tenant id.
    TenantId
);
guid_newtype!(
    /// A Dataverse model-driven app (`appmodule`) id.
    AppModuleId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_id_parses_leniently() {
        let want = "e4b1a995-abe3-4350-a61c-65fccd32e8bd";
        for input in [
            want,
            "E4B1A995-ABE3-4350-A61C-65FCCD32E8BD",
            "{e4b1a995-abe3-4350-a61c-65fccd32e8bd}",
            "  e4b1a995abe34350a61c65fccd32e8bd \n",
        ] {
            assert_eq!(
                AppId::parse(input).map(|a| a.to_string()),
                Ok(want.to_owned()),
                "{input}"
            );
        }
    }

    #[test]
    fn app_id_rejects_garbage_quoting_the_input() {
        for input in [
            "",
            "e4b1a995",
            "zzb1a995-abe3-4350-a61c-65fccd32e8bd",
            "{e4b1a995-abe3-4350-a61c-65fccd32e8bd",
            "e4b1a995a-be3-4350-a61c-65fccd32e8bd",
            "x' or 1 eq 1",
        ] {
            let err = AppId::parse(input).expect_err(input);
            assert!(err.to_string().contains(&format!("{input:?}")), "{err}");
        }
    }

    #[test]
    fn environment_ids_canonicalise_guids_and_the_default_prefix() {
        let guid = "8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30";
        for (input, want) in [
            (guid.to_uppercase(), guid.to_owned()),
            (format!(" {guid}\n"), guid.to_owned()),
            (format!("Default-{guid}"), format!("Default-{guid}")),
            (
                format!("default-{}", guid.to_uppercase()),
                format!("Default-{guid}"),
            ),
            (format!("DEFAULT-{guid}"), format!("Default-{guid}")),
            ("Trial.Env_2-b".to_owned(), "Trial.Env_2-b".to_owned()),
            ("Default-abc".to_owned(), "Default-abc".to_owned()),
            (
                "8f3c2a1e5b7d4e9a9c1f2d6e8a4b7c30".to_owned(),
                "8f3c2a1e5b7d4e9a9c1f2d6e8a4b7c30".to_owned(),
            ),
            ("x".repeat(128), "x".repeat(128)),
        ] {
            let id = EnvironmentId::parse(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(id.as_str(), want, "{input}");
            assert_eq!(id.to_string(), want);
            assert_eq!(
                input.trim().parse::<EnvironmentId>().map(|i| i.to_string()),
                Ok(want)
            );
        }
        assert!(EnvironmentId::parse(&format!("Default-{guid}"))
            .unwrap()
            .is_default());
        assert!(!EnvironmentId::parse(guid).unwrap().is_default());
    }

    #[test]
    fn environment_ids_refuse_what_cannot_go_into_a_url_quoting_it() {
        for (input, why) in [
            ("", "empty"),
            ("   ", "empty"),
            ("{8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30}", "'{'"),
            ("env 1", "' '"),
            ("a/b", "'/'"),
            ("x' or 1 eq 1", "'\\''"),
            ("x&y=1", "'&'"),
            ("caf\u{e9}", "'\u{e9}'"),
            (&"x".repeat(129), "longer than 128"),
        ] {
            let err = EnvironmentId::parse(input).expect_err(input);
            let text = err.to_string();
            assert!(text.contains(&format!("{input:?}")), "{text}");
            assert!(text.contains(why), "{input}: {text}");
        }
    }

    #[test]
    fn environment_ids_serialise_as_their_canonical_string() {
        let id: EnvironmentId =
            serde_json::from_str("\"DEFAULT-8F3C2A1E-5B7D-4E9A-9C1F-2D6E8A4B7C30\"").unwrap();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"Default-8f3c2a1e-5b7d-4e9a-9c1f-2d6e8a4b7c30\""
        );
        assert!(serde_json::from_str::<EnvironmentId>("\"a b\"").is_err());
    }

    #[test]
    fn ids_deserialise_from_any_case() {
        let id: RoleId = serde_json::from_str("\"627090FF-40A3-4053-8790-584EDC5BE201\"").unwrap();
        assert_eq!(id.as_str(), "627090ff-40a3-4053-8790-584edc5be201");
        assert!(serde_json::from_str::<RoleId>("\"nope\"").is_err());
    }
}
