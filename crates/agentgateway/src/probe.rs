//! First contact with a gateway: read its certificate's SHA-256 fingerprint so
//! the agent (or an administrator) can compare it before trusting it, and say
//! whether the configured trust already accepts it.
//!
//! The probe's verifier records the leaf certificate and then refuses it, so
//! the handshake never completes and nothing is ever sent to an untrusted
//! gateway. Trust is then checked with a real handshake under the configured
//! [`Trust`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::client::ClientError;
use crate::tls::{Trust, fingerprint_hex};

/// How long a probe may take.
const PROBE_TIMEOUT: Duration = Duration::from_secs(8);

/// The gateway's certificate as seen at first contact.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeerCertificate {
    /// SHA-256 of the leaf certificate's DER, lower-case hex.
    pub sha256: String,
    /// The host and port that presented it.
    pub subject: String,
    /// Whether `trust` accepts it.
    pub trusted: bool,
}

/// Reads the certificate that `gateway_url` presents and checks it against `trust`.
pub async fn probe(gateway_url: &str, trust: &Trust) -> Result<PeerCertificate, ClientError> {
    let url = url::Url::parse(gateway_url).map_err(|e| {
        ClientError::InvalidArgument(format!("the gateway address is not a URL: {e}"))
    })?;
    if url.scheme() != "https" {
        return Err(ClientError::InvalidArgument(
            "the gateway address must start with https://".into(),
        ));
    }
    let host = url
        .host_str()
        .ok_or_else(|| ClientError::InvalidArgument("the gateway address has no host".into()))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = url.port_or_known_default().unwrap_or(443);
    let name = ServerName::try_from(host.clone())
        .map_err(|_| ClientError::InvalidArgument(format!("{host} is not a valid host name")))?;

    let seen = Arc::new(Mutex::new(None));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let recording = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ClientError::Transport {
            detail: e.to_string(),
        })?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(RecordThenRefuse {
            seen: seen.clone(),
            provider,
        }))
        .with_no_client_auth();
    // The handshake fails by design once the certificate is recorded.
    let _ = handshake(&host, port, name.clone(), recording).await?;
    let der = seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .ok_or_else(|| ClientError::Transport {
            detail: "the gateway presented no certificate".into(),
        })?;

    let config = trust
        .client_config()
        .map_err(|e| ClientError::Tls(Arc::new(e)))?;
    let trusted = handshake(&host, port, name, config).await?.is_ok();
    Ok(PeerCertificate {
        sha256: fingerprint_hex(&der),
        subject: format!("{host}:{port}"),
        trusted,
    })
}

/// Connects and runs a TLS handshake; the outer error is a transport failure,
/// the inner one a refused handshake.
async fn handshake(
    host: &str,
    port: u16,
    name: ServerName<'static>,
    config: rustls::ClientConfig,
) -> Result<Result<(), std::io::Error>, ClientError> {
    let connect = async {
        let tcp = TcpStream::connect((host, port))
            .await
            .map_err(|e| ClientError::Unreachable {
                detail: format!("{host}:{port}: {e}"),
            })?;
        Ok(TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .map(drop))
    };
    tokio::time::timeout(PROBE_TIMEOUT, connect)
        .await
        .map_err(|_| ClientError::Timeout)?
}

#[derive(Debug)]
struct RecordThenRefuse {
    seen: Arc<Mutex<Option<Vec<u8>>>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl ServerCertVerifier for RecordThenRefuse {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(end_entity.to_vec());
        Err(rustls::Error::InvalidCertificate(
            CertificateError::ApplicationVerificationFailure,
        ))
    }

    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("first-contact probe".into()))
    }

    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::General("first-contact probe".into()))
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

    #[tokio::test]
    async fn only_https_addresses_are_probed() {
        let refused = probe(
            "http://127.0.0.1:1/agentgateway/resource",
            &Trust::default(),
        )
        .await;
        assert!(matches!(refused, Err(ClientError::InvalidArgument(_))));
    }

    #[tokio::test]
    async fn a_closed_port_is_unreachable() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let result = probe(&format!("https://127.0.0.1:{port}/x"), &Trust::default()).await;
        assert!(
            matches!(result, Err(ClientError::Unreachable { .. })),
            "{result:?}"
        );
    }
}
