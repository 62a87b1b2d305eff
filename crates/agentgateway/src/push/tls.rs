//! The receiver's TLS identity: a certificate from PEM files, or a
//! self-signed one made at start.
//!
//! The seed requires TLS 1.2 or later. rustls implements only TLS 1.2 and
//! 1.3 (it cannot speak SSL 3, TLS 1.0 or 1.1 at all), and the server config
//! here enables exactly those two, with the ring provider.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use sha2::{Digest, Sha256};

use super::PushError;

/// Where the receiver's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// A certificate chain (leaf first) and its private key, both PEM.
    PemFiles {
        /// The certificate chain file.
        cert: PathBuf,
        /// The private key file (PKCS#8, PKCS#1 or SEC1).
        key: PathBuf,
    },
    /// A self-signed certificate generated at start, valid for these names:
    /// DNS names or IP addresses, e.g. the host the gateway reaches us at.
    SelfSigned {
        /// Subject alternative names; IP literals become IP SANs.
        subject_alt_names: Vec<String>,
    },
}

/// A loaded or generated certificate with its private key, ready to serve.
#[derive(Clone)]
pub struct TlsIdentity {
    config: Arc<ServerConfig>,
    cert_pem: String,
    cert_sha256: String,
}

impl fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsIdentity")
            .field("cert_sha256", &self.cert_sha256)
            .finish_non_exhaustive()
    }
}

impl TlsIdentity {
    /// Loads or generates the identity `source` names.
    pub fn load(source: &TlsSource) -> Result<Self, PushError> {
        match source {
            TlsSource::PemFiles { cert, key } => Self::from_pem_files(cert, key),
            TlsSource::SelfSigned { subject_alt_names } => Self::self_signed(subject_alt_names),
        }
    }

    /// Reads a PEM certificate chain and private key.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Self, PushError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| PushError::ReadPem {
                path: path.to_owned(),
                source,
            })
        };
        let (cert_pem, key_pem) = (read(cert)?, read(key)?);
        let chain = rustls_pemfile::certs(&mut cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|source| PushError::ReadPem {
                path: cert.to_owned(),
                source,
            })?;
        if chain.is_empty() {
            return Err(PushError::NoCertificate(cert.to_owned()));
        }
        let private_key = rustls_pemfile::private_key(&mut key_pem.as_bytes())
            .map_err(|source| PushError::ReadPem {
                path: key.to_owned(),
                source,
            })?
            .ok_or_else(|| PushError::NoPrivateKey(key.to_owned()))?;
        Self::build(chain, private_key, cert_pem)
    }

    /// Generates a self-signed ECDSA P-256 certificate for `subject_alt_names`.
    /// The private key lives only in memory.
    pub fn self_signed(subject_alt_names: &[String]) -> Result<Self, PushError> {
        let mut params = rcgen::CertificateParams::new(subject_alt_names.to_vec())?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "AgentBar push receiver");
        let key_pair = rcgen::KeyPair::generate()?;
        let cert = params.self_signed(&key_pair)?;
        let private_key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pair.serialize_der()));
        Self::build(vec![cert.der().clone()], private_key, cert.pem())
    }

    fn build(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
        cert_pem: String,
    ) -> Result<Self, PushError> {
        let cert_sha256 = chain
            .first()
            .map(|leaf| hex::encode(Sha256::digest(leaf.as_ref())))
            .unwrap_or_default();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            config: Arc::new(config),
            cert_pem,
            cert_sha256,
        })
    }

    /// The certificate as PEM (for PEM files: the chain file as read), to
    /// show at sign-in or to install on the gateway as trusted.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// SHA-256 of the leaf certificate's DER, lowercase hex without
    /// separators, for the agent to compare with what the gateway shows.
    pub fn cert_sha256(&self) -> &str {
        &self.cert_sha256
    }

    /// The rustls server configuration serving this identity.
    pub fn server_config(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.config)
    }
}
