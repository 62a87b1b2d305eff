//! Errors as the page receives them: `{ kind, message }`, the message in plain
//! words an agent understands. No error carries a GUID, password or call data.

use agentgateway::guid_store::StoreError;
use agentgateway::{ClientError, SessionError};
use serde::Serialize;

use crate::settings::SettingsError;

/// An error for the page: it branches on `kind` and shows `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub kind: String,
    pub message: String,
}

impl AppError {
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
            message: message.into(),
        }
    }

    /// The input the agent gave is not usable.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new("invalid", message)
    }

    /// The operation needs a signed-in session.
    pub fn not_signed_in() -> Self {
        Self::new("notSignedIn", "You are not signed in.")
    }
}

/// What a refused gateway call means to the agent.
fn retcode_words(retcode: &str) -> Option<&'static str> {
    Some(match retcode {
        "100-004" => "Wrong agent ID or password.",
        "100-002" => {
            "This agent is already signed in elsewhere. Tick \u{201c}Take over\u{201d} to sign in here."
        }
        "100-020" => "Your password has expired. Change it, then sign in again.",
        "110-016" => "Your account is locked. Ask your supervisor to unlock it.",
        "100-021" => "A sign-in for this agent is already in progress. Try again in a moment.",
        "100-003" => "The gateway has no resource for you right now. Try again in a moment.",
        "100-001" => {
            "The gateway refused the sign-in details. Check the agent ID and phone number."
        }
        "100-009" => "Your current state does not allow this.",
        "100-015" => "This agent cannot be taken over.",
        "100-006" | "000-003" | "000-001" => "The gateway has signed you out. Sign in again.",
        "100-007" => "The gateway had an internal error. Try again.",
        "000-007" => "That was sent twice; wait for the first one to finish.",
        "000-004" => "The gateway is switching over. AgentBar signs in again by itself.",
        "400-001" => "The gateway rejected the call data.",
        "000-002" | "000-006" => "The gateway rejected the request as invalid.",
        _ => return None,
    })
}

fn client_words(error: &ClientError) -> String {
    if let Some(words) = error.retcode().and_then(retcode_words) {
        return words.to_owned();
    }
    match error.kind() {
        "certificateNotTrusted" => "The gateway's certificate is not trusted. Choose its CA file, \
             or check its fingerprint with your administrator and trust it."
            .to_owned(),
        "unreachable" => {
            "The gateway cannot be reached. Check its address and your network.".to_owned()
        }
        "timeout" => "The gateway did not answer in time. Check your network.".to_owned(),
        "tlsConfig" => format!("The trust settings cannot be used: {error}."),
        "invalidArgument" => format!("{}.", capitalised(&error.to_string())),
        _ => format!("{}.", capitalised(&error.to_string())),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl From<&ClientError> for AppError {
    fn from(error: &ClientError) -> Self {
        Self::new(error.kind(), client_words(error))
    }
}

impl From<ClientError> for AppError {
    fn from(error: ClientError) -> Self {
        Self::from(&error)
    }
}

impl From<SessionError> for AppError {
    fn from(error: SessionError) -> Self {
        match &error {
            SessionError::Client(client) => Self::from(client),
            SessionError::NotSignedIn => Self::not_signed_in(),
            SessionError::SignedOut { .. } => Self::new(
                error.kind(),
                "The gateway no longer knows your session. Sign in again.",
            ),
            SessionError::PushReceiver { detail } => Self::new(
                error.kind(),
                format!("The event receiver for push mode could not start: {detail}."),
            ),
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        Self::new(
            error.kind(),
            format!(
                "The system keyring cannot be used ({error}). AgentBar needs it to keep your session safe."
            ),
        )
    }
}

impl From<SettingsError> for AppError {
    fn from(error: SettingsError) -> Self {
        Self::new("settings", capitalised(&error.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_refusals_read_as_plain_words() {
        let wrong = ClientError::Gateway {
            retcode: "100-004".into(),
        };
        assert_eq!(
            AppError::from(&wrong).message,
            "Wrong agent ID or password."
        );
        let elsewhere = ClientError::Gateway {
            retcode: "100-002".into(),
        };
        assert!(
            AppError::from(&elsewhere)
                .message
                .contains("signed in elsewhere")
        );
        let expired = ClientError::Gateway {
            retcode: "100-020".into(),
        };
        assert!(
            AppError::from(&expired)
                .message
                .contains("password has expired")
        );
        let locked = ClientError::Gateway {
            retcode: "110-016".into(),
        };
        assert!(
            AppError::from(&locked)
                .message
                .contains("account is locked")
        );
    }

    #[test]
    fn kinds_stay_machine_readable() {
        let e = AppError::from(ClientError::Gateway {
            retcode: "100-009".into(),
        });
        assert_eq!(e.kind, "gateway");
    }
}
