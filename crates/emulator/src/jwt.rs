//! RS256 JSON Web Tokens, hand-rolled: one signing key per process.

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::signature::{Keypair as _, SignatureEncoding, Signer as _, Verifier as _};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde_json::{json, Map, Value};
use sha2::Sha256;

/// The signing key and its published form.
pub struct Signer {
    signing: SigningKey<Sha256>,
    verifying: VerifyingKey<Sha256>,
    pub kid: String,
    pub n: String,
    pub e: String,
}

static SIGNER: OnceLock<Result<Signer, String>> = OnceLock::new();

/// The process-wide signer (RSA key generation is slow, so it is made once).
pub fn signer() -> Result<&'static Signer, String> {
    SIGNER
        .get_or_init(|| {
            let key =
                RsaPrivateKey::new(&mut rand::thread_rng(), 2048).map_err(|e| e.to_string())?;
            let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
            let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
            let kid = crate::ids::opaque(20);
            let signing = SigningKey::<Sha256>::new(key);
            let verifying = signing.verifying_key();
            Ok(Signer {
                signing,
                verifying,
                kid,
                n,
                e,
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

impl Signer {
    /// Signs `claims` as a compact JWS.
    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": self.kid, "x5t": self.kid});
        let h = URL_SAFE_NO_PAD.encode(header.to_string());
        let c = URL_SAFE_NO_PAD.encode(claims.to_string());
        let input = format!("{h}.{c}");
        let sig: Signature = self.signing.sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.to_bytes()))
    }

    /// Checks the signature and returns the claims; time and audience are the caller's.
    pub fn verify(&self, token: &str) -> Result<Map<String, Value>, &'static str> {
        let mut parts = token.split('.');
        let (Some(h), Some(c), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("malformed token");
        };
        let header: Value = decode_part(h).ok_or("malformed token header")?;
        if header.get("alg").and_then(Value::as_str) != Some("RS256") {
            return Err("unsupported algorithm");
        }
        let sig_bytes = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| "malformed signature")?;
        let sig = Signature::try_from(sig_bytes.as_slice()).map_err(|_| "malformed signature")?;
        self.verifying
            .verify(format!("{h}.{c}").as_bytes(), &sig)
            .map_err(|_| "signature verification failed")?;
        match decode_part(c) {
            Some(Value::Object(m)) => Ok(m),
            _ => Err("malformed token claims"),
        }
    }

    /// The JWKS document.
    pub fn jwks(&self, issuer: &str) -> Value {
        json!({"keys": [{
            "kty": "RSA", "use": "sig", "kid": self.kid, "x5t": self.kid,
            "n": self.n, "e": self.e, "alg": "RS256", "issuer": issuer
        }]})
    }
}

fn decode_part(p: &str) -> Option<Value> {
    let bytes = URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
