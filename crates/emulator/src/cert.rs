//! The self-signed TLS certificate for every emulated host, made once per process.

use std::sync::{Arc, OnceLock};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// Host names the certificate covers.
pub fn names() -> Vec<String> {
    let mut v: Vec<String> = [
        "127.0.0.1",
        "localhost",
        "login.microsoftonline.com",
        "globaldisco.crm.dynamics.com",
        "*.crm.dynamics.com",
        "graph.microsoft.com",
        "admin.powerplatform.microsoft.com",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for n in 2..=21 {
        v.push(format!("*.crm{n}.dynamics.com"));
    }
    v
}

static CONFIG: OnceLock<Result<Arc<rustls::ServerConfig>, String>> = OnceLock::new();

/// The TLS server configuration (HTTP/1.1 only).
pub fn server_config() -> Result<Arc<rustls::ServerConfig>, String> {
    CONFIG
        .get_or_init(|| {
            let ck = rcgen::generate_simple_self_signed(names()).map_err(|e| e.to_string())?;
            let cert = CertificateDer::from(ck.cert.der().to_vec());
            let key =
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.signing_key.serialize_der()));
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut cfg = rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| e.to_string())?
                .with_no_client_auth()
                .with_single_cert(vec![cert], key)
                .map_err(|e| e.to_string())?;
            cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Ok(Arc::new(cfg))
        })
        .clone()
}
