//! Failures as one line on stderr and a documented exit code. Messages name
//! the retcode and its meaning; they never carry a GUID, a password, a token
//! or call data (the library's error texts do not either).

use agentgateway::client::validate::{Param, Rule};
use agentgateway::guid_store::StoreError;
use agentgateway::retcode;
use agentgateway::{ClientError, InvalidParam, SessionError};

pub const REFUSED: u8 = 1;
pub const USAGE: u8 = 2;
pub const UNREACHABLE: u8 = 3;
pub const SIGNED_OUT: u8 = 4;
pub const NO_KEYRING: u8 = 5;

/// A failure to report: the exit code and the line for stderr.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Failure {
        Failure::new(USAGE, message)
    }

    /// `what` names the operation, e.g. "sign-in".
    pub fn client(what: &str, e: &ClientError) -> Failure {
        use ClientError::*;
        let rc = e
            .retcode()
            .map(|rc| format!("{rc} {}", retcode::meaning(rc)));
        match (e, rc) {
            (SignedOut { .. } | GuidExpired, Some(rc)) => Failure::new(
                SIGNED_OUT,
                format!("{what} refused: {rc} (the session has ended: sign in again)"),
            ),
            (_, Some(rc)) => Failure::new(REFUSED, format!("{what} refused: {rc}")),
            (NoSession, None) => Failure::new(SIGNED_OUT, format!("{what}: not signed in")),
            (InvalidArgument(m), None) => Failure::usage(format!("{what}: {m}")),
            (InvalidParam(p), None) => Failure::usage(format!("{what}: {}", param_words(p))),
            (_, None) => Failure::new(UNREACHABLE, format!("{what} failed: {e}")),
        }
    }

    pub fn session(what: &str, e: &SessionError) -> Failure {
        match e {
            SessionError::Client(c) => Failure::client(what, c),
            SessionError::SignedOut { retcode: Some(rc) } => Failure::new(
                SIGNED_OUT,
                format!(
                    "{what}: the gateway reports the agent signed out ({rc} {})",
                    retcode::meaning(rc)
                ),
            ),
            SessionError::SignedOut { retcode: None } | SessionError::NotSignedIn => {
                Failure::new(SIGNED_OUT, format!("{what}: {e}"))
            }
            SessionError::PushReceiver { .. } => Failure::new(UNREACHABLE, format!("{what}: {e}")),
            SessionError::PushNeedsSignIn => Failure::new(SIGNED_OUT, format!("{what}: {e}")),
        }
    }

    pub fn keyring(what: &str, e: &StoreError) -> Failure {
        Failure::new(
            NO_KEYRING,
            format!(
                "{what}: {e} (one-shot commands read the session GUID from the keyring; \
                 scripts may set AGENTBAR_GUID instead)"
            ),
        )
    }
}

/// A broken parameter rule in words: which parameter, which rule (never
/// the value).
pub fn param_words(e: &InvalidParam) -> String {
    let what = match e.param {
        Param::Called => "the number to call",
        Param::Caller => "the caller number",
        Param::SkillId => "a skill ID",
        Param::WorkNo => "the agent ID",
        Param::Address => "the target's address",
        Param::CallId => "the call ID",
        Param::Number => "the party's number",
        Param::Digits => "the DTMF digits",
        Param::Skills => "the skill list",
        Param::Target => "the target",
    };
    match e.rule {
        Rule::Empty => format!("{what} is empty"),
        Rule::TooLong { max } => format!("{what} is longer than {max} characters"),
        Rule::BadCharacters { allowed } => format!("{what} may only have {allowed}"),
        Rule::NotAllowedHere => format!(
            "{what} is not allowed here (targets: agent:WORKNO, skill:ID, ivr:ID, \
             access:CODE, number:NUMBER; consult: agent or skill only)"
        ),
        Rule::NoWaitMode => {
            format!("{what}: an IVR transfer cannot wait for an answer (leave out --wait)")
        }
    }
}
