//! The error of a change asked for from the control side.
//!
//! It lives with the state because the state refuses such changes itself (a
//! call for an agent who is not idle, a hang-up without a call); the control
//! API hands it on and gives it an HTTP status.

/// Why a control request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("agent {0} is not on the roster")]
    UnknownAgent(String),
    #[error("agent {0} is not signed in")]
    NotSignedIn(String),
    #[error("agent {0} is not idle (in a call, busy, wrapping up or resting)")]
    NotIdle(String),
    #[error("agent {0} has no call")]
    NoCall(String),
    #[error("agent {0} is signed in from a client, not as a virtual colleague")]
    SignedIn(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("the gateway listener cannot start: {0}")]
    Listener(String),
}

impl ControlError {
    /// A stable name for the HTTP API's `kind`.
    pub fn kind(&self) -> &'static str {
        match self {
            ControlError::UnknownAgent(_) => "unknown_agent",
            ControlError::NotSignedIn(_) => "not_signed_in",
            ControlError::NotIdle(_) => "not_idle",
            ControlError::NoCall(_) => "no_call",
            ControlError::SignedIn(_) => "signed_in",
            ControlError::BadRequest(_) => "bad_request",
            ControlError::Listener(_) => "listener",
        }
    }
}
