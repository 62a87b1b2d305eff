//! Where a call goes: one type for transfer and consult targets, the
//! `kind:address` syntax the CLI and the bar use for it, and the gateway's
//! codes for it (`devicetype`, and the transfer `mode` per device type,
//! §9.3), so that no caller has to know which mode number means what.

use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use super::validate::{self, InvalidParam, Param, Rule};

/// A transfer or consult target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallTarget {
    /// An agent, by work number (devicetype 2).
    Agent(String),
    /// A skill queue, by skill ID (devicetype 1).
    Skill(String),
    /// An IVR, by its access code (devicetype 3).
    Ivr(String),
    /// A system access code (devicetype 4).
    AccessCode(String),
    /// An external number (devicetype 5).
    Number(String),
}

/// How a transfer ends for the agent (§9.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TransferHow {
    /// Release mode: the agent leaves at once, whatever the outcome.
    Blind,
    /// Success mode: the agent stays until the target answers, and keeps
    /// the customer if it does not.
    WaitForAnswer,
}

impl CallTarget {
    /// The `kind` word of the `kind:address` syntax.
    pub fn kind(&self) -> &'static str {
        match self {
            CallTarget::Agent(_) => "agent",
            CallTarget::Skill(_) => "skill",
            CallTarget::Ivr(_) => "ivr",
            CallTarget::AccessCode(_) => "access",
            CallTarget::Number(_) => "number",
        }
    }

    /// The address: work number, skill ID, access code or number.
    pub fn address(&self) -> &str {
        match self {
            CallTarget::Agent(a)
            | CallTarget::Skill(a)
            | CallTarget::Ivr(a)
            | CallTarget::AccessCode(a)
            | CallTarget::Number(a) => a,
        }
    }

    /// `devicetype`: 1 skill, 2 agent, 3 IVR, 4 access code, 5 external.
    pub fn device_type(&self) -> u8 {
        match self {
            CallTarget::Skill(_) => 1,
            CallTarget::Agent(_) => 2,
            CallTarget::Ivr(_) => 3,
            CallTarget::AccessCode(_) => 4,
            CallTarget::Number(_) => 5,
        }
    }

    /// The transfer `mode` for this device type: skill, access code and
    /// agent 0 release / 2 success; IVR 0 release (its mode 1 is a hang-up
    /// transfer that comes back, not a wait); external 1 release / 2 success.
    pub fn transfer_mode(&self, how: TransferHow) -> Result<u8, InvalidParam> {
        match (self, how) {
            (CallTarget::Number(_), TransferHow::Blind) => Ok(1),
            (_, TransferHow::Blind) => Ok(0),
            (CallTarget::Ivr(_), TransferHow::WaitForAnswer) => {
                Err(InvalidParam::new(Param::Target, Rule::NoWaitMode))
            }
            (_, TransferHow::WaitForAnswer) => Ok(2),
        }
    }

    /// The address follows the rules for its kind (§9.3): digits for IDs
    /// and access codes, digits / `A-E` / `*` / `#` for external numbers, at
    /// most 24 characters.
    pub fn validate(&self) -> Result<(), InvalidParam> {
        match self {
            CallTarget::Number(n) => validate::external(n),
            other => validate::digits_id(Param::Address, other.address()),
        }
    }
}

impl fmt::Display for CallTarget {
    /// `kind:address`, e.g. `agent:102`, `skill:3`, `number:004930123`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind(), self.address())
    }
}

impl FromStr for CallTarget {
    type Err = InvalidParam;

    /// `agent:WORKNO`, `skill:ID`, `ivr:ID`, `access:CODE` or
    /// `number:NUMBER` (kind case-insensitive); the address is validated.
    fn from_str(s: &str) -> Result<CallTarget, InvalidParam> {
        let bad_kind = InvalidParam::new(Param::Target, Rule::NotAllowedHere);
        let (kind, address) = s.split_once(':').ok_or(bad_kind)?;
        let address = address.trim().to_owned();
        let t = match kind.trim().to_ascii_lowercase().as_str() {
            "agent" => CallTarget::Agent(address),
            "skill" => CallTarget::Skill(address),
            "ivr" => CallTarget::Ivr(address),
            "access" => CallTarget::AccessCode(address),
            "number" => CallTarget::Number(address),
            _ => return Err(bad_kind),
        };
        t.validate()?;
        Ok(t)
    }
}

impl Serialize for CallTarget {
    /// As its `kind:address` text.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_kind() {
        for (text, target, device) in [
            ("agent:102", CallTarget::Agent("102".into()), 2),
            ("skill:3", CallTarget::Skill("3".into()), 1),
            ("ivr:5001", CallTarget::Ivr("5001".into()), 3),
            ("access:17", CallTarget::AccessCode("17".into()), 4),
            (
                "number:0049301*#",
                CallTarget::Number("0049301*#".into()),
                5,
            ),
        ] {
            let parsed: CallTarget = text.parse().expect(text);
            assert_eq!(parsed, target);
            assert_eq!(parsed.to_string(), text);
            assert_eq!(parsed.device_type(), device);
        }
        assert_eq!(
            "Agent:102".parse::<CallTarget>(),
            Ok(CallTarget::Agent("102".into()))
        );
    }

    #[test]
    fn refuses_bad_kinds_and_addresses() {
        for bad in [
            "102",
            "queue:1",
            ":1",
            "agent:",
            "skill:1a",
            "ivr:1;2",
            "number:+49",
        ] {
            assert!(bad.parse::<CallTarget>().is_err(), "{bad}");
        }
        let long = format!("agent:{}", "1".repeat(25));
        assert_eq!(
            long.parse::<CallTarget>().map_err(|e| e.rule),
            Err(Rule::TooLong { max: 24 })
        );
        assert_eq!(
            "pbx:1".parse::<CallTarget>().map_err(|e| e.param),
            Err(Param::Target)
        );
    }

    #[test]
    fn transfer_modes_per_device_type() {
        use TransferHow::*;
        let t = |s: &str| s.parse::<CallTarget>().expect(s);
        for s in ["skill:1", "access:17", "agent:102"] {
            assert_eq!(t(s).transfer_mode(Blind), Ok(0), "{s}");
            assert_eq!(t(s).transfer_mode(WaitForAnswer), Ok(2), "{s}");
        }
        assert_eq!(t("ivr:5001").transfer_mode(Blind), Ok(0));
        assert_eq!(
            t("ivr:5001").transfer_mode(WaitForAnswer),
            Err(InvalidParam::new(Param::Target, Rule::NoWaitMode))
        );
        assert_eq!(t("number:5551").transfer_mode(Blind), Ok(1));
        assert_eq!(t("number:5551").transfer_mode(WaitForAnswer), Ok(2));
    }

    #[test]
    fn serializes_as_text() {
        let v = serde_json::to_value(CallTarget::Skill("3".into())).expect("serializes");
        assert_eq!(v, "skill:3");
    }
}
