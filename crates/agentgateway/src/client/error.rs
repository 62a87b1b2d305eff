//! What went wrong talking to the gateway: one variant per failure a caller
//! acts on, with the gateway's retcode where it gave one. No variant carries
//! a GUID, a password, a URL (which may hold call data) or call data.

use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::retcode::{self, Consequence};
use crate::tls::TlsError;

/// What went wrong talking to the gateway.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// The gateway says the agent is not signed in (`000-001`, `100-006`): stop and sign in again.
    #[error("signed out by the gateway ({retcode}: {})", retcode::meaning(.retcode))]
    SignedOut { retcode: String },
    /// The GUID was refused (`000-003`): the session has expired.
    #[error("the session has expired (000-003: {})", retcode::meaning("000-003"))]
    GuidExpired,
    /// Disaster-recovery switchover (`105-005/6/7`): sign in again.
    #[error("gateway switchover ({retcode}: {})", retcode::meaning(.retcode))]
    DisasterRecovery { retcode: String },
    /// Any other failure retcode; the session goes on.
    #[error("gateway refused ({retcode}: {})", retcode::meaning(.retcode))]
    Gateway { retcode: String },
    /// An HTTP status other than 200.
    #[error("gateway answered HTTP {status}")]
    HttpStatus { status: u16 },
    /// The gateway's certificate is not trusted (wrong CA, wrong pin, expired, wrong name).
    #[error("the gateway's certificate is not trusted: {detail}")]
    CertificateNotTrusted { detail: String },
    /// The gateway cannot be reached (refused, no route, DNS).
    #[error("the gateway is unreachable: {detail}")]
    Unreachable { detail: String },
    /// No answer within the time limit.
    #[error("the gateway did not answer in time")]
    Timeout,
    /// Any other transport failure (connection reset mid-answer, TLS protocol error).
    #[error("transport failure: {detail}")]
    Transport { detail: String },
    /// The answer was not the JSON the interface promises.
    #[error("malformed answer from the gateway: {detail}")]
    Malformed { detail: String },
    /// No GUID yet: sign in first.
    #[error("not signed in: no session identifier")]
    NoSession,
    /// A parameter is outside what the interface accepts; nothing was sent.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A call-control parameter broke one of the gateway's rules (which
    /// parameter, which rule); nothing was sent.
    #[error("invalid argument: {0}")]
    InvalidParam(super::InvalidParam),
    /// The TLS configuration could not be built.
    #[error(transparent)]
    Tls(#[from] Arc<TlsError>),
}

impl ClientError {
    /// A stable name for the UI to branch on.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientError::SignedOut { .. } => "signedOut",
            ClientError::GuidExpired => "guidExpired",
            ClientError::DisasterRecovery { .. } => "disasterRecovery",
            ClientError::Gateway { .. } => "gateway",
            ClientError::HttpStatus { .. } => "httpStatus",
            ClientError::CertificateNotTrusted { .. } => "certificateNotTrusted",
            ClientError::Unreachable { .. } => "unreachable",
            ClientError::Timeout => "timeout",
            ClientError::Transport { .. } => "transport",
            ClientError::Malformed { .. } => "malformed",
            ClientError::NoSession => "noSession",
            ClientError::InvalidArgument(_) | ClientError::InvalidParam(_) => "invalidArgument",
            ClientError::Tls(_) => "tlsConfig",
        }
    }

    /// The gateway retcode, when the gateway gave one.
    pub fn retcode(&self) -> Option<&str> {
        match self {
            ClientError::SignedOut { retcode }
            | ClientError::DisasterRecovery { retcode }
            | ClientError::Gateway { retcode } => Some(retcode),
            ClientError::GuidExpired => Some("000-003"),
            _ => None,
        }
    }

    /// True for failures of the connection itself (worth a retry with back-off).
    pub fn is_transport(&self) -> bool {
        matches!(
            self,
            ClientError::CertificateNotTrusted { .. }
                | ClientError::Unreachable { .. }
                | ClientError::Timeout
                | ClientError::Transport { .. }
        )
    }

    /// True when the gateway no longer knows this session.
    pub fn is_signed_out(&self) -> bool {
        matches!(
            self,
            ClientError::SignedOut { .. } | ClientError::GuidExpired
        )
    }

    pub(crate) fn from_retcode(code: &str) -> ClientError {
        match (retcode::consequence(code), code) {
            (Consequence::SignedOut, "000-003") => ClientError::GuidExpired,
            (Consequence::SignedOut, _) => ClientError::SignedOut {
                retcode: code.to_owned(),
            },
            (Consequence::SignInAgain, _) => ClientError::DisasterRecovery {
                retcode: code.to_owned(),
            },
            _ => ClientError::Gateway {
                retcode: code.to_owned(),
            },
        }
    }

    pub(crate) fn from_reqwest(err: reqwest::Error) -> ClientError {
        // The URL may carry calldata: drop it before anything is rendered.
        let err = err.without_url();
        let detail = chain_text(&err);
        if let Some(tls) = rustls_error(&err) {
            return match tls {
                rustls::Error::InvalidCertificate(_)
                | rustls::Error::NoCertificatesPresented
                | rustls::Error::InvalidCertRevocationList(_) => {
                    ClientError::CertificateNotTrusted {
                        detail: tls.to_string(),
                    }
                }
                other => ClientError::Transport {
                    detail: format!("TLS handshake failed: {other}"),
                },
            };
        }
        if err.is_timeout() {
            ClientError::Timeout
        } else if err.is_connect() {
            ClientError::Unreachable { detail }
        } else {
            ClientError::Transport { detail }
        }
    }
}

impl Serialize for ClientError {
    /// `{ kind, message }`, so the UI branches on `kind`, never on text.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("ClientError", 3)?;
        st.serialize_field("kind", self.kind())?;
        st.serialize_field("message", &self.to_string())?;
        st.serialize_field("retcode", &self.retcode())?;
        st.end()
    }
}

fn chain_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let t = e.to_string();
        if parts.last() != Some(&t) {
            parts.push(t);
        }
        cur = e.source();
    }
    parts.join(": ")
}

fn rustls_error<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(r) = e.downcast_ref::<rustls::Error>() {
            return Some(r);
        }
        // An io::Error's source() skips the error it wraps: step into it instead.
        cur = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}
