//! Errors as the page receives them: `{ kind, message }`, the message in plain
//! words an agent understands, in the current language. The engine hands over
//! causes (error kinds, retcodes, reconnect causes, sign-out reasons); this
//! module is where they become words. No error carries a GUID, password or
//! call data.

use agentgateway::bar::{LastError, SignOutReason};
use agentgateway::guid_store::StoreError;
use agentgateway::{ClientError, ReconnectCause, SessionError};
use serde::Serialize;
use ts_rs::TS;

use crate::i18n;
use crate::settings::SettingsError;

/// An error for the page: it branches on `kind` and shows `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub kind: String,
    pub message: String,
}

impl AppError {
    /// An error with `message`, already in the current language.
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
        Self::new("notSignedIn", i18n::t("error.notSignedIn"))
    }
}

/// The catalogue key of what a refused gateway call means to the agent.
fn retcode_key(retcode: &str) -> Option<&'static str> {
    Some(match retcode {
        "100-004" => "retcode.100-004",
        "100-002" => "retcode.100-002",
        "100-020" => "retcode.100-020",
        "110-016" => "retcode.110-016",
        "100-021" => "retcode.100-021",
        "100-003" => "retcode.100-003",
        "100-001" => "retcode.100-001",
        "100-009" => "retcode.100-009",
        "100-015" => "retcode.100-015",
        "100-006" | "000-003" | "000-001" => "retcode.signedOut",
        "100-007" => "retcode.100-007",
        "000-007" => "retcode.000-007",
        "000-004" => "retcode.000-004",
        "400-001" => "retcode.400-001",
        "000-002" | "000-006" => "retcode.invalid",
        _ => return None,
    })
}

/// What a failure means to the agent, from its kind, retcode and HTTP status.
fn failure_words(kind: &str, retcode: Option<&str>, status: Option<u16>) -> String {
    if let Some(key) = retcode.and_then(retcode_key) {
        return i18n::t(key).to_owned();
    }
    match (kind, retcode, status) {
        ("certificateNotTrusted", ..) => i18n::t("error.certificateNotTrusted").to_owned(),
        ("unreachable", ..) => i18n::t("error.unreachable").to_owned(),
        ("timeout", ..) => i18n::t("error.timeout").to_owned(),
        ("transport", ..) => i18n::t("error.transport").to_owned(),
        ("malformed", ..) => i18n::t("error.malformed").to_owned(),
        ("noSession", ..) => i18n::t("error.notSignedIn").to_owned(),
        ("httpStatus", _, Some(status)) => {
            i18n::tf("error.httpStatus", &[("status", &status.to_string())])
        }
        (_, Some(retcode), _) => i18n::tf(
            "error.gatewayRefused",
            &[("retcode", retcode), ("meaning", &retcode_meaning(retcode))],
        ),
        _ => i18n::tf("error.other", &[("kind", kind)]),
    }
}

fn client_words(error: &ClientError) -> String {
    match error {
        ClientError::Tls(e) => i18n::tf("error.tlsConfig", &[("detail", &e.to_string())]),
        ClientError::InvalidArgument(detail) => {
            i18n::tf("error.invalidArgument", &[("detail", detail)])
        }
        ClientError::InvalidParam(p) => {
            i18n::tf("error.invalidArgument", &[("detail", invalid_words(p))])
        }
        ClientError::HttpStatus { status } => {
            failure_words(error.kind(), error.retcode(), Some(*status))
        }
        _ => failure_words(error.kind(), error.retcode(), None),
    }
}

/// The last failure on the bar, in words.
pub fn last_error_words(error: &LastError) -> String {
    failure_words(&error.kind, error.retcode.as_deref(), error.http_status)
}

/// What a retcode means, briefly (for "signed out (100-006: ...)").
pub fn retcode_meaning(retcode: &str) -> String {
    i18n::t(match retcode {
        "000-001" => "meaning.000-001",
        "000-002" => "meaning.000-002",
        "000-003" => "meaning.000-003",
        "100-006" => "meaning.100-006",
        "100-009" => "meaning.100-009",
        "105-005" | "105-006" | "105-007" => "meaning.switchover",
        "200-001" => "meaning.200-001",
        "200-002" => "meaning.200-002",
        "200-003" => "meaning.200-003",
        "200-004" => "meaning.200-004",
        "200-005" => "meaning.200-005",
        "200-006" => "meaning.200-006",
        "200-010" => "meaning.200-010",
        "200-011" => "meaning.200-011",
        "200-012" => "meaning.200-012",
        "200-013" | "200-014" | "200-015" | "200-016" => "meaning.hold",
        "200-017" => "meaning.200-017",
        "200-018" => "meaning.200-018",
        _ => "meaning.unknown",
    })
    .to_owned()
}

/// Which rule a call-control value broke, in words.
fn invalid_words(p: &agentgateway::client::InvalidParam) -> &'static str {
    use agentgateway::client::validate::{Param, Rule};
    i18n::t(match (p.param, p.rule) {
        (_, Rule::NoWaitMode) => "invalid.noWait",
        (Param::Target, Rule::NotAllowedHere) => "invalid.target",
        (_, Rule::NotAllowedHere) => "invalid.consultTarget",
        (Param::Called, _) => "invalid.called",
        (Param::Caller, _) => "invalid.caller",
        (Param::Digits, _) => "invalid.digits",
        _ => "invalid.address",
    })
}

/// Why events stopped flowing, in words. Gateways are counted from 1.
pub fn reconnect_words(cause: &ReconnectCause) -> String {
    let n = |i: &usize| (i + 1).to_string();
    match cause {
        ReconnectCause::Unreachable => i18n::t("reconnect.unreachable").to_owned(),
        ReconnectCause::Timeout => i18n::t("reconnect.timeout").to_owned(),
        ReconnectCause::CertificateNotTrusted => i18n::t("reconnect.certificate").to_owned(),
        ReconnectCause::Transport => i18n::t("reconnect.transport").to_owned(),
        ReconnectCause::HttpStatus { status } => {
            i18n::tf("reconnect.httpStatus", &[("status", &status.to_string())])
        }
        ReconnectCause::Switchover { retcode, to } => i18n::tf(
            "reconnect.switchover",
            &[("retcode", retcode), ("gateway", &n(to))],
        ),
        ReconnectCause::Failover { from, to } => {
            i18n::tf("reconnect.failover", &[("from", &n(from)), ("to", &n(to))])
        }
        ReconnectCause::PushesStalled => i18n::t("reconnect.pushesStalled").to_owned(),
    }
}

/// Why the session ended, in words; `None` when the agent ended it.
pub fn sign_out_words(reason: &SignOutReason) -> Option<String> {
    match reason {
        SignOutReason::NotSignedIn | SignOutReason::ByAgent => None,
        SignOutReason::ByGateway { retcode } => Some(i18n::tf(
            "msg.gatewaySignedOut",
            &[("retcode", retcode), ("meaning", &retcode_meaning(retcode))],
        )),
        SignOutReason::SignInFailed { error, retcode } => Some(i18n::tf(
            "msg.signInAgainFailed",
            &[("error", &failure_words(error, retcode.as_deref(), None))],
        )),
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
            SessionError::SignedOut { .. } => Self::new(error.kind(), i18n::t("error.signedOut")),
            SessionError::PushReceiver { detail } => Self::new(
                error.kind(),
                i18n::tf("error.pushReceiver", &[("detail", detail)]),
            ),
            SessionError::PushNeedsSignIn => {
                Self::new(error.kind(), i18n::t("error.pushNeedsSignIn"))
            }
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        Self::new(
            error.kind(),
            i18n::tf("error.keyring", &[("detail", &error.to_string())]),
        )
    }
}

impl From<SettingsError> for AppError {
    fn from(error: SettingsError) -> Self {
        let message = match &error {
            SettingsError::Invalid { path, source } => i18n::tf(
                "error.settingsInvalid",
                &[
                    ("path", &path.display().to_string()),
                    ("detail", &source.to_string()),
                ],
            ),
            SettingsError::Io { path, source } => i18n::tf(
                "error.settingsIo",
                &[
                    ("path", &path.display().to_string()),
                    ("detail", &source.to_string()),
                ],
            ),
        };
        Self::new("settings", message)
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
    fn every_known_retcode_has_words_in_both_languages() {
        for retcode in [
            "100-004", "100-002", "100-020", "110-016", "100-021", "100-003", "100-001", "100-009",
            "100-015", "100-006", "000-003", "000-001", "100-007", "000-007", "000-004", "400-001",
            "000-002", "000-006",
        ] {
            let key = retcode_key(retcode).expect("known retcode");
            assert!(!i18n::t_in(i18n::Lang::En, key).is_empty(), "{retcode}");
            assert!(!i18n::t_in(i18n::Lang::ZhCn, key).is_empty(), "{retcode}");
        }
    }

    #[test]
    fn kinds_stay_machine_readable() {
        let e = AppError::from(ClientError::Gateway {
            retcode: "100-009".into(),
        });
        assert_eq!(e.kind, "gateway");
    }
}
