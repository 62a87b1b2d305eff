//! How the client decides to trust the gateway's certificate.
//!
//! Either the usual chain check against the system roots plus an optional
//! site CA, or a pinned SHA-256 fingerprint of the gateway's leaf certificate
//! (for gateways with self-signed certificates). Pinning still verifies the
//! handshake signature, so the peer must hold the pinned certificate's key.
//! There is deliberately no "accept any certificate".

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Errors building a TLS configuration.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The CA file could not be read.
    #[error("cannot read CA file {path}: {source}")]
    CaFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The CA PEM text holds no usable certificate.
    #[error("the CA PEM holds no usable certificate")]
    NoCertificate,
    /// The pinned fingerprint is not 64 hex digits.
    #[error("the pinned fingerprint must be a SHA-256 in hex (64 digits, colons allowed)")]
    BadFingerprint,
    /// Neither system roots nor a CA are available to trust anything.
    #[error("no trusted root certificate is available")]
    NoRoots,
    /// rustls refused the configuration.
    #[error("TLS configuration refused: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Which gateway certificates the client trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Chain verification against trusted roots.
    Roots {
        /// Include the operating system's root store.
        system: bool,
        /// An extra CA (PEM text), e.g. the site's own CA.
        extra_ca_pem: Option<String>,
    },
    /// Accept exactly the leaf certificate with this SHA-256 (32 bytes).
    Pinned([u8; 32]),
}

impl Default for Trust {
    fn default() -> Self {
        Trust::Roots {
            system: true,
            extra_ca_pem: None,
        }
    }
}

impl Trust {
    /// System roots plus the CA in a PEM file.
    pub fn system_plus_ca_file(path: &Path) -> Result<Trust, TlsError> {
        let pem = std::fs::read_to_string(path).map_err(|source| TlsError::CaFile {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Trust::Roots {
            system: true,
            extra_ca_pem: Some(pem),
        })
    }

    /// Only the given CA (PEM text), no system roots.
    pub fn only_ca(pem: impl Into<String>) -> Trust {
        Trust::Roots {
            system: false,
            extra_ca_pem: Some(pem.into()),
        }
    }

    /// A pinned fingerprint given as hex, with or without colons.
    pub fn pinned_hex(hex_fingerprint: &str) -> Result<Trust, TlsError> {
        let clean: String = hex_fingerprint
            .chars()
            .filter(|c| *c != ':' && !c.is_whitespace())
            .collect();
        let bytes = hex::decode(clean).map_err(|_| TlsError::BadFingerprint)?;
        let pin: [u8; 32] = bytes.try_into().map_err(|_| TlsError::BadFingerprint)?;
        Ok(Trust::Pinned(pin))
    }

    /// Builds the rustls client configuration (ring provider, TLS 1.2+).
    pub fn client_config(&self) -> Result<rustls::ClientConfig, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?;
        let config = match self {
            Trust::Roots {
                system,
                extra_ca_pem,
            } => {
                let mut roots = RootCertStore::empty();
                if *system {
                    let native = rustls_native_certs::load_native_certs();
                    if !native.errors.is_empty() {
                        tracing::debug!(
                            errors = native.errors.len(),
                            "some system roots failed to load"
                        );
                    }
                    roots.add_parsable_certificates(native.certs);
                }
                if let Some(pem) = extra_ca_pem {
                    let certs: Vec<CertificateDer<'static>> =
                        rustls_pemfile::certs(&mut pem.as_bytes())
                            .filter_map(Result::ok)
                            .collect();
                    let (added, _) = roots.add_parsable_certificates(certs);
                    if added == 0 {
                        return Err(TlsError::NoCertificate);
                    }
                }
                if roots.is_empty() {
                    return Err(TlsError::NoRoots);
                }
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            Trust::Pinned(pin) => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(PinnedLeaf {
                    pin: *pin,
                    provider,
                }))
                .with_no_client_auth(),
        };
        Ok(config)
    }
}

/// SHA-256 of a DER certificate, lower-case hex.
pub fn fingerprint_hex(der: &[u8]) -> String {
    hex::encode(Sha256::digest(der))
}

/// Trusts exactly one leaf certificate, by fingerprint; the handshake
/// signature is still verified against that certificate's key.
#[derive(Debug)]
struct PinnedLeaf {
    pin: [u8; 32],
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedLeaf {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let got = Sha256::digest(end_entity.as_ref());
        if bool::from(got.as_slice().ct_eq(&self.pin)) {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_parse_with_or_without_colons() {
        let hex64 = "ab".repeat(32);
        let colons = vec!["AB"; 32].join(":");
        assert_eq!(
            Trust::pinned_hex(&hex64).ok(),
            Some(Trust::Pinned([0xab; 32]))
        );
        assert_eq!(
            Trust::pinned_hex(&colons).ok(),
            Some(Trust::Pinned([0xab; 32]))
        );
        assert!(matches!(
            Trust::pinned_hex("abcd"),
            Err(TlsError::BadFingerprint)
        ));
        assert!(matches!(
            Trust::pinned_hex(&"zz".repeat(32)),
            Err(TlsError::BadFingerprint)
        ));
    }

    #[test]
    fn bad_ca_pem_is_refused() {
        let t = Trust::only_ca("not a pem");
        assert!(matches!(t.client_config(), Err(TlsError::NoCertificate)));
        let t = Trust::Roots {
            system: false,
            extra_ca_pem: None,
        };
        assert!(matches!(t.client_config(), Err(TlsError::NoRoots)));
    }

    #[test]
    fn pinned_config_builds() {
        assert!(Trust::Pinned([1; 32]).client_config().is_ok());
    }
}
