//! What sign-in remembers between requests: sessions, issued codes, refresh tokens, the
//! permissions users granted for themselves, and the control plane's nonce switch.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use crate::ids::{ClientId, ObjectId};

/// The session cookie Entra sets after an interactive sign-in.
pub const SESSION_COOKIE: &str = "ESTSAUTH";
/// How long an authorization code may wait to be redeemed.
pub const CODE_LIFETIME: Duration = Duration::from_secs(600);

/// An issued, not yet redeemed authorization code.
#[derive(Debug, Clone)]
pub struct AuthCode {
    pub client_id: ClientId,
    pub redirect_uri: String,
    pub oid: ObjectId,
    pub challenge: String,
    pub nonce: Option<String>,
    pub issued: Instant,
}

/// What a refresh token stands for.
#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub oid: ObjectId,
    pub client_id: ClientId,
    /// Revoked by `POST /_emulator/revoke-sign-in` (as Entra's revokeSignInSessions does).
    pub revoked: bool,
}

/// Sign-in's own state.
#[derive(Debug, Default)]
pub struct IdentityState {
    /// Session id (the cookie) → user oid.
    pub sessions: HashMap<String, ObjectId>,
    pub codes: HashMap<String, AuthCode>,
    pub redeemed: HashSet<String>,
    pub refresh: HashMap<String, RefreshGrant>,
    /// (user oid, client id) → permissions the user granted for themselves, as
    /// `{resource app}/{permission}` (an administrator's are the app's `admin_consent`).
    pub consents: HashMap<(ObjectId, ClientId), BTreeSet<String>>,
    /// How many more code redemptions get an id token with another nonce.
    pub wrong_nonce: u32,
}
