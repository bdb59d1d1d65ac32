//! Newtype ids: a GUID for each kind of Dataverse or Entra object, never a bare string.
//!
//! Ids are stored in canonical lowercase hyphenated form, so they can be compared,
//! put into OData filters and URLs without escaping, and serialised as plain strings.

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

guid_newtype!(
    /// A Power Platform environment id (GDS `EnvironmentId`).
    EnvironmentId
);
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
    fn ids_deserialise_from_any_case() {
        let id: RoleId = serde_json::from_str("\"627090FF-40A3-4053-8790-584EDC5BE201\"").unwrap();
        assert_eq!(id.as_str(), "627090ff-40a3-4053-8790-584edc5be201");
        assert!(serde_json::from_str::<RoleId>("\"nope\"").is_err());
    }
}
