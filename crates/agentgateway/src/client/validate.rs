//! What the gateway accepts in call-control parameters (§9, §11), checked
//! before anything is sent: a refusal here is a typed cause, never a request
//! the gateway would turn down with a bare `000-002`. Causes name the
//! parameter and the rule, never the value (numbers and DTMF digits are
//! personal data).

use serde::Serialize;

use super::ClientError;

/// Longest called number, caller number, transfer address or DTMF string (§9).
pub const MAX_DIAL_CHARS: usize = 24;

/// Longest `skillid` list of `resetskill`, IDs joined by `;` (§8).
pub const MAX_SKILL_LIST_CHARS: usize = 4000;

/// Longest call ID or party number put into a path.
pub const MAX_PATH_ID_CHARS: usize = 128;

/// The parameter a rule was broken for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Param {
    Called,
    Caller,
    SkillId,
    WorkNo,
    /// A transfer or consult target's address.
    Address,
    CallId,
    /// A party's number (`disconnect`).
    Number,
    /// DTMF digits (`seconddialex`).
    Digits,
    /// The skill list of `resetskill`.
    Skills,
    /// A transfer or consult target (its kind).
    Target,
}

/// The rule that was broken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(
    tag = "rule",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Rule {
    Empty,
    TooLong {
        max: usize,
    },
    /// A character outside `allowed` (a description such as "digits, * and #").
    BadCharacters {
        allowed: &'static str,
    },
    /// The target kind cannot be used here (e.g. consulting an IVR).
    NotAllowedHere,
    /// No wait-for-answer transfer exists for this target kind (IVR).
    NoWaitMode,
}

/// A parameter the gateway would refuse; nothing was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(rename_all = "camelCase")]
#[error("{param:?}: {rule:?}")]
pub struct InvalidParam {
    pub param: Param,
    #[serde(flatten)]
    pub rule: Rule,
}

impl InvalidParam {
    pub fn new(param: Param, rule: Rule) -> InvalidParam {
        InvalidParam { param, rule }
    }
}

impl From<InvalidParam> for ClientError {
    fn from(e: InvalidParam) -> ClientError {
        ClientError::InvalidParam(e)
    }
}

const DIGITS: &str = "digits";
const DIAL: &str = "digits, * and #";
const EXTERNAL: &str = "digits, A-E, * and #";
const PATH_ID: &str = "letters, digits and - . _ : @ +";

fn check(
    param: Param,
    value: &str,
    min: usize,
    max: usize,
    allowed: &'static str,
    ok: impl Fn(char) -> bool,
) -> Result<(), InvalidParam> {
    let n = value.chars().count();
    if n < min {
        return Err(InvalidParam::new(param, Rule::Empty));
    }
    if n > max {
        return Err(InvalidParam::new(param, Rule::TooLong { max }));
    }
    if !value.chars().all(ok) {
        return Err(InvalidParam::new(param, Rule::BadCharacters { allowed }));
    }
    Ok(())
}

fn dial_char(c: char) -> bool {
    c.is_ascii_digit() || c == '*' || c == '#'
}

/// A called number (`callout`): 1-24 of digits, `*`, `#`.
pub fn called(value: &str) -> Result<(), InvalidParam> {
    check(Param::Called, value, 1, MAX_DIAL_CHARS, DIAL, dial_char)
}

/// A caller number shown to the called party: 0-24 digits (empty = default).
pub fn caller(value: &str) -> Result<(), InvalidParam> {
    check(Param::Caller, value, 0, MAX_DIAL_CHARS, DIGITS, |c| {
        c.is_ascii_digit()
    })
}

/// DTMF digits (`seconddialex`): 1-24 of digits, `*`, `#`.
pub fn dtmf(value: &str) -> Result<(), InvalidParam> {
    check(Param::Digits, value, 1, MAX_DIAL_CHARS, DIAL, dial_char)
}

/// An ID made of digits (skill, agent, IVR, access code): 1-24 digits.
pub fn digits_id(param: Param, value: &str) -> Result<(), InvalidParam> {
    check(param, value, 1, MAX_DIAL_CHARS, DIGITS, |c| {
        c.is_ascii_digit()
    })
}

/// An external transfer address: 1-24 of digits, `A-E`, `a-e`, `*`, `#` (§9.3).
pub fn external(value: &str) -> Result<(), InvalidParam> {
    check(Param::Address, value, 1, MAX_DIAL_CHARS, EXTERNAL, |c| {
        dial_char(c) || matches!(c, 'A'..='E' | 'a'..='e')
    })
}

/// A call ID or party number that goes into a path or a query: no
/// separators, no escapes, no spaces.
pub fn path_id(param: Param, value: &str) -> Result<(), InvalidParam> {
    check(param, value, 1, MAX_PATH_ID_CHARS, PATH_ID, |c| {
        c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':' | '@' | '+')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(r: Result<(), InvalidParam>) -> Option<Rule> {
        r.err().map(|e| e.rule)
    }

    #[test]
    fn called_numbers_are_1_to_24_of_digits_star_hash() {
        assert_eq!(called("5551234"), Ok(()));
        assert_eq!(called("*31#0049301234"), Ok(()));
        assert_eq!(called(&"1".repeat(24)), Ok(()));
        assert_eq!(rule(called("")), Some(Rule::Empty));
        assert_eq!(
            rule(called(&"1".repeat(25))),
            Some(Rule::TooLong { max: 24 })
        );
        for bad in ["+4930", "555 1234", "12a", "1-2", "١٢"] {
            assert!(
                matches!(rule(called(bad)), Some(Rule::BadCharacters { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn caller_numbers_are_0_to_24_digits() {
        assert_eq!(caller(""), Ok(()));
        assert_eq!(caller("4001"), Ok(()));
        assert!(caller("40*1").is_err());
        assert_eq!(
            rule(caller(&"9".repeat(25))),
            Some(Rule::TooLong { max: 24 })
        );
    }

    #[test]
    fn dtmf_and_external_addresses() {
        assert_eq!(dtmf("1234#"), Ok(()));
        assert_eq!(rule(dtmf("")), Some(Rule::Empty));
        assert!(dtmf("12A").is_err());
        assert_eq!(external("00493012*#AbE"), Ok(()));
        assert!(external("12F").is_err());
        assert!(external("+49").is_err());
        assert_eq!(digits_id(Param::SkillId, "12"), Ok(()));
        assert!(digits_id(Param::SkillId, "1;2").is_err());
    }

    #[test]
    fn path_ids_cannot_escape_their_segment() {
        assert_eq!(path_id(Param::CallId, "1700000000-12"), Ok(()));
        for bad in ["", "a/b", "a?b", "a%2F", "a b", "..\\x", "a#b"] {
            assert!(path_id(Param::CallId, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_cause_names_the_parameter_not_the_value() {
        let e = called("555 1234").expect_err("space");
        let text = ClientError::from(e).to_string();
        assert!(!text.contains("555"), "{text}");
        let v = serde_json::to_value(e).expect("serializes");
        assert_eq!(v["param"], "called");
        assert_eq!(v["rule"], "badCharacters");
    }
}
