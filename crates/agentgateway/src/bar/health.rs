//! The connection to the gateway, and why it is not up: causes for each
//! face to put into words, never sentences.

use serde::Serialize;

use crate::client::ClientError;

/// Why the session is signed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SignOutReason {
    /// Never signed in (yet).
    NotSignedIn,
    /// The agent signed out.
    ByAgent,
    /// The gateway no longer knows the session (`000-001`, `000-003`, `100-006`).
    ByGateway { retcode: String },
    /// Signing in again (after a switchover or on another gateway) failed:
    /// the client error's kind and the gateway's retcode, if it gave one.
    SignInFailed {
        error: String,
        retcode: Option<String>,
    },
}

/// Why events are not flowing: a cause for each face to put into words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ReconnectCause {
    /// The gateway cannot be reached (refused, no route, DNS).
    Unreachable,
    /// The gateway did not answer in time.
    Timeout,
    /// The gateway's certificate is not trusted.
    CertificateNotTrusted,
    /// The connection broke mid-answer.
    Transport,
    /// The gateway answered with an HTTP status other than 200.
    HttpStatus { status: u16 },
    /// Disaster-recovery switchover (`105-005/6/7`): signing in again on gateway `to`.
    Switchover { retcode: String, to: usize },
    /// Gateway `from` stayed unreachable: signing in on gateway `to`.
    Failover { from: usize, to: usize },
    /// Push mode: the heartbeat works, but the gateway's view of the agent
    /// (`agentstatus`) and the bar disagree: pushed events are not arriving.
    PushesStalled,
}

impl ReconnectCause {
    /// The cause of a failed request to the gateway.
    pub fn of(error: &ClientError) -> ReconnectCause {
        match error {
            ClientError::Unreachable { .. } => ReconnectCause::Unreachable,
            ClientError::Timeout => ReconnectCause::Timeout,
            ClientError::CertificateNotTrusted { .. } => ReconnectCause::CertificateNotTrusted,
            ClientError::HttpStatus { status } => ReconnectCause::HttpStatus { status: *status },
            ClientError::DisasterRecovery { retcode } => ReconnectCause::Switchover {
                retcode: retcode.clone(),
                to: 0,
            },
            _ => ReconnectCause::Transport,
        }
    }
}

/// The connection to the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Health {
    /// Events are flowing from this gateway (index 0 is the primary).
    Connected {
        gateway: String,
        gateway_index: usize,
    },
    /// Events are not flowing; the engine is retrying.
    Reconnecting {
        since_ms: u64,
        cause: ReconnectCause,
    },
    /// No session: nothing flows until a new sign-in.
    SignedOut { reason: SignOutReason },
}

/// The last failure worth showing: what kind of failure (a
/// [`ClientError::kind`]), the gateway's retcode or HTTP status when there
/// was one. Each face puts it into words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastError {
    pub kind: String,
    pub retcode: Option<String>,
    pub http_status: Option<u16>,
    pub at_ms: u64,
}
