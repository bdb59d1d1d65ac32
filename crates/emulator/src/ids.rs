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
