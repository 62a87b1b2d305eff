//! TLS for the gateway listener: rustls with the ring provider.
//!
//! Either a CA and a server certificate made at start with rcgen (SAN
//! `127.0.0.1` and `localhost`; clients trust the CA PEM), or a certificate
//! chain and key read from PEM files. Also the push client's TLS: trust one CA
//! file, or (the default for a test gateway) any receiver certificate.

use std::{net::IpAddr, path::Path, sync::Arc};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot make a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} holds no certificate or no private key")]
    Empty(String),
    #[error("TLS configuration refused: {0}")]
    Rustls(#[from] rustls::Error),
    #[error("push client: {0}")]
    PushClient(#[from] reqwest::Error),
}

/// What the gateway listener serves with.
pub struct ServerIdentity {
    pub config: Arc<rustls::ServerConfig>,
    /// The CA PEM when it was generated.
    pub ca_pem: Option<String>,
    /// Lowercase hex SHA-256 of the leaf certificate DER.
    pub leaf_sha256: String,
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let mut config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(chain, key)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn sha256_hex(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// A fresh CA and a server certificate for `127.0.0.1` and `localhost`.
pub fn generate() -> Result<ServerIdentity, TlsError> {
    let mut ca = CertificateParams::default();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name = DistinguishedName::new();
    ca.distinguished_name
        .push(DnType::CommonName, "AgentGateway simulator CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate()?;
    let ca_cert = ca.self_signed(&ca_key)?;

    let mut leaf = CertificateParams::default();
    leaf.distinguished_name = DistinguishedName::new();
    leaf.distinguished_name
        .push(DnType::CommonName, "AgentGateway simulator");
    leaf.subject_alt_names = vec![
        SanType::IpAddress(IpAddr::from([127, 0, 0, 1])),
        SanType::DnsName("localhost".try_into()?),
    ];
    leaf.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_key = KeyPair::generate()?;
    let leaf_cert = leaf.signed_by(&leaf_key, &ca_cert, &ca_key)?;

    let chain = vec![leaf_cert.der().clone(), ca_cert.der().clone()];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    Ok(ServerIdentity {
        config: server_config(chain, key)?,
        ca_pem: Some(ca_cert.pem()),
        leaf_sha256: sha256_hex(leaf_cert.der()),
    })
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.display().to_string(),
        source,
    })
}

fn certs_from_pem(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = read(path)?;
    let certs = rustls_pemfile::certs(&mut pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|source| TlsError::Read {
            path: path.display().to_string(),
            source,
        })?;
    if certs.is_empty() {
        return Err(TlsError::Empty(path.display().to_string()));
    }
    Ok(certs)
}

/// A certificate chain (leaf first) and a private key from PEM files.
pub fn from_files(cert: &Path, key: &Path) -> Result<ServerIdentity, TlsError> {
    let chain = certs_from_pem(cert)?;
    let key_pem = read(key)?;
    let key = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .map_err(|source| TlsError::Read {
            path: key.display().to_string(),
            source,
        })?
        .ok_or_else(|| TlsError::Empty(key.display().to_string()))?;
    let leaf_sha256 = sha256_hex(&chain[0]);
    Ok(ServerIdentity {
        config: server_config(chain, key)?,
        ca_pem: None,
        leaf_sha256,
    })
}

/// The HTTP client that posts pushed events. With `ca_file` it trusts that CA
/// only; without, it accepts any receiver certificate (a test gateway talks
/// to receivers with self-signed certificates).
pub fn push_client(ca_file: Option<&Path>) -> Result<reqwest::Client, TlsError> {
    let builder = reqwest::Client::builder()
        .use_rustls_tls()
        .min_tls_version(reqwest::tls::Version::TLS_1_2)
        .no_proxy();
    let builder = match ca_file {
        Some(path) => {
            let pem = read(path)?;
            let mut builder = builder;
            for cert in reqwest::Certificate::from_pem_bundle(&pem)? {
                builder = builder.add_root_certificate(cert);
            }
            builder
        }
        None => builder.danger_accept_invalid_certs(true),
    };
    Ok(builder.build()?)
}
