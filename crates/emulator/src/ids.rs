//! Identifiers: random and deterministic GUIDs, random opaque strings.

use rand::RngCore;
use sha2::{Digest, Sha256};

fn format_guid(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// A fresh random GUID in lower case.
pub fn new_guid() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    format_guid(b)
}

/// A GUID derived from `seed`, so scenarios get the same ids on every load.
pub fn det_guid(seed: &str) -> String {
    let d = Sha256::digest(seed.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    format_guid(b)
}

/// A random URL-safe opaque string (codes, refresh tokens, session ids).
pub fn opaque(len_bytes: usize) -> String {
    use base64::Engine;
    let mut b = vec![0u8; len_bytes];
    rand::thread_rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// Whether `s` is a GUID in 8-4-4-4-12 hex form.
pub fn is_guid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    parts.len() == 5
        && parts
            .iter()
            .zip(lens)
            .all(|(p, l)| p.len() == l && p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Whether two GUID strings name the same id (GUIDs compare case-insensitively).
pub fn same_guid(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// Declares an id type over a GUID: checked and lowercased once where it enters the
/// emulator (a scenario, a request), then compared as itself.
macro_rules! guid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id written in `text` (a GUID, any case), if it is one.
            pub fn parse(text: &str) -> Option<$name> {
                is_guid(text).then(|| $name(text.to_ascii_lowercase()))
            }

            /// An id derived from `seed`: the same on every load.
            pub fn derived(seed: &str) -> $name {
                $name(det_guid(seed))
            }

            /// A fresh random id.
            pub fn random() -> $name {
                $name(new_guid())
            }

            /// The id, lowercase.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Whether `text` names this id (GUIDs compare in any case).
            pub fn is(&self, text: &str) -> bool {
                same_guid(&self.0, text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.is(other)
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.is(other)
            }
        }
    };
}

guid_id!(
    /// A directory (tenant) id.
    TenantId
);
guid_id!(
    /// A single-page app registration's client id.
    ClientId
);
guid_id!(
    /// An Entra object id: a user's or a service principal's.
    ObjectId
);
guid_id!(
    /// An application id (the app a service principal or an application user stands for).
    AppId
);
guid_id!(
    /// A Dataverse organization id.
    OrganizationId
);
guid_id!(
    /// A business unit's id.
    BusinessUnitId
);
guid_id!(
    /// A security role's id (one per copy in each business unit), or a role template's.
    RoleId
);
guid_id!(
    /// A Dataverse system user's id.
    SystemUserId
);
guid_id!(
    /// A solution's id.
    SolutionId
);
guid_id!(
    /// A model-driven app's id.
    AppModuleId
);

/// A Power Platform environment id: a string, as the discovery service documents it — a GUID
/// (kept lowercase), the tenant's default environment `Default-{tenant id}`, or other text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct EnvironmentId(String);

impl EnvironmentId {
    /// An id as given: a GUID is lowercased, a `Default-` one gets its canonical form, other
    /// non-empty text is kept as it is. `None` for empty text.
    pub fn parse(text: &str) -> Option<EnvironmentId> {
        if text.is_empty() {
            return None;
        }
        if is_guid(text) {
            return Some(EnvironmentId(text.to_ascii_lowercase()));
        }
        match default_tenant(text) {
            Some(tenant) => Some(EnvironmentId(format!("Default-{tenant}"))),
            None => Some(EnvironmentId(text.to_owned())),
        }
    }

    /// An id derived from `seed` (a GUID).
    pub fn derived(seed: &str) -> EnvironmentId {
        EnvironmentId(det_guid(seed))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `text` names this environment (in any case, as GDS ids compare).
    pub fn is(&self, text: &str) -> bool {
        self.0.eq_ignore_ascii_case(text)
    }

    /// The tenant a `Default-{tenant id}` environment id names.
    pub fn default_of(&self) -> Option<TenantId> {
        default_tenant(&self.0)
    }
}

/// The tenant id of a `Default-{tenant id}` text (any case).
fn default_tenant(text: &str) -> Option<TenantId> {
    let prefix = text.get(..8)?;
    if !prefix.eq_ignore_ascii_case("Default-") {
        return None;
    }
    TenantId::parse(&text[8..])
}

impl std::fmt::Display for EnvironmentId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<&str> for EnvironmentId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}
