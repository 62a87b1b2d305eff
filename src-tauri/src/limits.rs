//! The limits the gateway sets on what an agent types or the bar sends,
//! defined once here. The page gets them as generated constants
//! (`ui/src/bindings/constants.ts`), so a form never accepts what the
//! gateway would refuse, and never refuses what it would take.

/// The longest phone number the gateway takes at sign-in (`phonenum`).
pub const PHONE_MAX_CHARS: usize = agentgateway::client::MAX_PHONE_CHARS;
/// The most call data the gateway keeps for a call, in UTF-8 bytes.
pub const CALLDATA_MAX_BYTES: usize = agentgateway::client::MAX_CALLDATA_BYTES;
/// The busy reasons a site may define.
pub const BUSY_REASONS: std::ops::RangeInclusive<u16> = 200..=250;
/// The busy reason of the tray and the global shortcut.
pub const DEFAULT_BUSY_REASON: u16 = 200;
/// The length of a rest on the wire, in seconds.
pub const REST_SECONDS: std::ops::RangeInclusive<u32> = 1..=86_399;
/// The address the push receiver listens on unless the agent chose another.
pub const DEFAULT_PUSH_LISTEN: &str = "0.0.0.0:8443";

/// The limits as the page receives them: generated into its constants, so
/// only the binding test builds this.
#[cfg(test)]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Limits {
    /// The longest phone number, in characters.
    pub phone_max_chars: usize,
    /// The most call data, in UTF-8 bytes.
    pub calldata_max_bytes: usize,
    /// The lowest and the highest busy reason.
    pub busy_reason_min: u16,
    pub busy_reason_max: u16,
    /// The longest rest, in seconds (the shortest is 1).
    pub rest_max_seconds: u32,
    /// The push service token: at most this many ASCII letters and digits.
    pub service_token_max_chars: usize,
    /// The push service token's rule as a regular expression.
    pub service_token_pattern: String,
    /// Where the push receiver listens unless the agent chose another address.
    pub default_push_listen: String,
}

#[cfg(test)]
impl Limits {
    /// The limits in force.
    pub fn current() -> Self {
        let token = agentgateway::push::MAX_TOKEN_LEN;
        Self {
            phone_max_chars: PHONE_MAX_CHARS,
            calldata_max_bytes: CALLDATA_MAX_BYTES,
            busy_reason_min: *BUSY_REASONS.start(),
            busy_reason_max: *BUSY_REASONS.end(),
            rest_max_seconds: *REST_SECONDS.end(),
            service_token_max_chars: token,
            service_token_pattern: format!("^[A-Za-z0-9]{{1,{token}}}$"),
            default_push_listen: DEFAULT_PUSH_LISTEN.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The token pattern the page gets says what the engine checks.
    #[test]
    fn the_token_pattern_matches_the_engines_rule() {
        let pattern = Limits::current().service_token_pattern;
        let max = agentgateway::push::MAX_TOKEN_LEN;
        assert_eq!(pattern, format!("^[A-Za-z0-9]{{1,{max}}}$"));
        for (token, ok) in [
            ("a".repeat(max), true),
            ("a".repeat(max + 1), false),
            (String::new(), false),
            ("abc-1".into(), false),
            ("Abc123".into(), true),
        ] {
            assert_eq!(
                agentgateway::push::validate_token(&token).is_ok(),
                ok,
                "{token}"
            );
        }
    }

    #[test]
    fn the_default_listen_address_parses() {
        assert!(DEFAULT_PUSH_LISTEN.parse::<std::net::SocketAddr>().is_ok());
    }
}
