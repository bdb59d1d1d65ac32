//! The `authorization_code` grant: a code issued by the authorize endpoint, redeemed once,
//! in time, by the client it was issued to, with the redirect URI it was requested with and
//! the PKCE verifier of its challenge.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::refusal::{field, Refusal};
use crate::identity::session::{IdentityState, CODE_LIFETIME};
use crate::ids::ObjectId;
use crate::log::GrantOutcome;

/// The user (oid) and nonce of a valid code; whether its verifier matched goes to `grant`.
pub fn redeem(
    state: &mut IdentityState,
    form: &[(String, String)],
    client_id: &str,
    grant: &mut Option<GrantOutcome>,
) -> Result<(ObjectId, Option<String>), Refusal> {
    let code = field(form, "code").unwrap_or_default();
    let Some(ac) = state.codes.remove(&code) else {
        let (n, m) = if state.redeemed.contains(&code) {
            (54005, "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.")
        } else {
            (
                70000,
                "The provided value for the 'code' parameter is not valid.",
            )
        };
        return Err(Refusal::grant(n, m));
    };
    state.redeemed.insert(code);
    if ac.issued.elapsed() > CODE_LIFETIME {
        return Err(Refusal::grant(
            70008,
            "The provided authorization code or refresh token has expired due to inactivity.",
        ));
    }
    if !ac.client_id.is(client_id) {
        return Err(Refusal::grant(70000, "The provided value for the 'code' parameter is not valid. The code was issued to a different client."));
    }
    // A code requested with a redirect URI is redeemed with that URI. MSAL's
    // acquireTokenByCode leaves it out (it is made for hybrid-SPA codes).
    let Some(given) = field(form, "redirect_uri") else {
        return Err(Refusal::grant(700009, "Reply address must be provided when presenting an authorization code requested with an explicit reply address."));
    };
    if given != ac.redirect_uri {
        return Err(Refusal::grant(70000, "The provided value for the 'redirect_uri' is not valid. The value must exactly match the redirect URI used to obtain the authorization code."));
    }
    let verifier = field(form, "code_verifier").unwrap_or_default();
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let matched = !verifier.is_empty() && computed == ac.challenge;
    // For the request log: whether it matched, never the verifier itself.
    *grant = Some(GrantOutcome {
        verifier_matched: Some(matched),
        nonce_altered: false,
    });
    if !matched {
        return Err(Refusal::grant(501481, "The Code_Verifier does not match the code_challenge supplied in the authorization request."));
    }
    Ok((ac.oid, ac.nonce))
}
