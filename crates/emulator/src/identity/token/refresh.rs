//! The `refresh_token` grant: a refresh token this endpoint issued to the same client, not
//! revoked. It never grants consent: the tokens it gets are checked like any other.

use super::refusal::{field, Refusal};
use crate::identity::session::IdentityState;
use crate::ids::ObjectId;

/// The user (oid) a valid refresh token stands for.
pub fn redeem(
    state: &IdentityState,
    form: &[(String, String)],
    client_id: &str,
) -> Result<(ObjectId, Option<String>), Refusal> {
    let rt = field(form, "refresh_token").unwrap_or_default();
    match state.refresh.get(&rt) {
        Some(g) if g.revoked => {
            Err(Refusal::grant(50173, "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password."))
        }
        Some(g) if g.client_id.is(client_id) => Ok((g.oid.clone(), None)),
        _ => {
            Err(Refusal::grant(9002313, "Invalid request. Request is malformed or invalid. The refresh token is not valid."))
        }
    }
}
