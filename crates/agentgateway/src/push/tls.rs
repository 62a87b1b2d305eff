//! The receiver's TLS identity: a certificate from PEM files, a self-signed
//! one made at start, or a self-signed one made once and kept (so that a
//! gateway can pin it across sign-ins and restarts).
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
    /// A self-signed certificate made once and kept in `dir` (folder and key
    /// owner-only), made anew only when the names change: its fingerprint
    /// stays the same, so an administrator can pin it at the gateway.
    Kept {
        /// Where the certificate and key are kept.
        dir: PathBuf,
        /// Subject alternative names; IP literals become IP SANs.
        subject_alt_names: Vec<String>,
    },
}

/// File names of a kept certificate, its key and the names it was made for.
const KEPT_CERT: &str = "push-cert.pem";
const KEPT_KEY: &str = "push-key.pem";
const KEPT_NAMES: &str = "push-cert.names";

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
            TlsSource::Kept {
                dir,
                subject_alt_names,
            } => Self::kept(dir, subject_alt_names),
        }
    }

    /// The certificate kept in `dir` for `names`, made (and kept) when there
    /// is none or it was made for other names.
    pub fn kept(dir: &Path, names: &[String]) -> Result<Self, PushError> {
        let (cert, key, listed) = (
            dir.join(KEPT_CERT),
            dir.join(KEPT_KEY),
            dir.join(KEPT_NAMES),
        );
        let wanted = names.join("\n");
        let same_names = std::fs::read_to_string(&listed).is_ok_and(|n| n == wanted);
        if same_names
            && cert.exists()
            && key.exists()
            && let Ok(identity) = Self::from_pem_files(&cert, &key)
        {
            return Ok(identity);
        }
        let (identity, key_pem) = Self::generate(names)?;
        let io = |source| PushError::ReadPem {
            path: dir.to_owned(),
            source,
        };
        owner_only_dir(dir).map_err(io)?;
        write_owner_only(&key, key_pem.as_bytes()).map_err(io)?;
        write_owner_only(&cert, identity.cert_pem.as_bytes()).map_err(io)?;
        write_owner_only(&listed, wanted.as_bytes()).map_err(io)?;
        Ok(identity)
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
        Self::generate(subject_alt_names).map(|(identity, _)| identity)
    }

    /// A new self-signed identity and its private key as PEM.
    fn generate(subject_alt_names: &[String]) -> Result<(Self, String), PushError> {
        let mut params = rcgen::CertificateParams::new(subject_alt_names.to_vec())?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "AgentBar push receiver");
        let key_pair = rcgen::KeyPair::generate()?;
        let cert = params.self_signed(&key_pair)?;
        let private_key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key_pair.serialize_der()));
        let identity = Self::build(vec![cert.der().clone()], private_key, cert.pem())?;
        Ok((identity, key_pair.serialize_pem()))
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

/// Creates `dir` (and its parents) and makes it owner-only.
fn owner_only_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

/// Writes `bytes` to `path` readable by the owner only, replacing it whole
/// (a temporary file renamed over it), so a crash never leaves half a key.
fn write_owner_only(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn a_kept_certificate_stays_the_same_until_its_names_change() {
        let root = tempfile::tempdir().expect("temp dir");
        let dir = root.path().join("push");
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let first = TlsIdentity::kept(&dir, &names).expect("made");
        let again = TlsIdentity::kept(&dir, &names).expect("loaded");
        assert_eq!(first.cert_sha256(), again.cert_sha256(), "pinnable");
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join(KEPT_KEY)), 0o600);
        assert_eq!(mode(&dir.join(KEPT_CERT)), 0o600);
        let other = TlsIdentity::kept(&dir, &["agent7.example".to_owned()]).expect("remade");
        assert_ne!(
            first.cert_sha256(),
            other.cert_sha256(),
            "new names, new certificate"
        );
        // A damaged file is replaced, not an error.
        std::fs::write(dir.join(KEPT_KEY), "not a key").expect("write");
        let repaired = TlsIdentity::kept(&dir, &["agent7.example".to_owned()]).expect("remade");
        assert_ne!(repaired.cert_sha256(), other.cert_sha256());
    }
}
