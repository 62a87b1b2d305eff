//! The common answer envelope (§1) and the `Set-GUID` header (§2).

use serde_json::Value;

use crate::secret::Guid;

/// The parts every gateway answer shares.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope {
    pub retcode: String,
    pub message: String,
    pub result: Value,
    pub event: Option<Value>,
}

impl Envelope {
    /// Parses an answer body; `None` when it is not a JSON object with a retcode.
    pub fn parse(body: &[u8]) -> Option<Envelope> {
        let v: Value = serde_json::from_slice(body).ok()?;
        let obj = v.as_object()?;
        let retcode = match obj.get("retcode")? {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        let message = obj
            .get("message")
            .or_else(|| obj.get("msg"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        Some(Envelope {
            retcode,
            message,
            result: obj.get("result").cloned().unwrap_or(Value::Null),
            event: obj.get("event").filter(|e| !e.is_null()).cloned(),
        })
    }
}

/// The GUID from a `Set-GUID: JSESSIONID=<guid>` header value.
pub fn parse_set_guid(header: &str) -> Option<Guid> {
    let start = header.find("JSESSIONID=")? + "JSESSIONID=".len();
    let rest = &header[start..];
    let value = rest.split(';').next().unwrap_or_default().trim();
    (!value.is_empty()).then(|| Guid::new(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_guid_is_the_part_after_jsessionid() {
        let g = parse_set_guid("JSESSIONID=279fe21d-2caa-4437-84c3-ab9e9dae20f5.AgentGateway0")
            .expect("guid");
        assert_eq!(
            g.expose(),
            "279fe21d-2caa-4437-84c3-ab9e9dae20f5.AgentGateway0"
        );
        let g = parse_set_guid(" JSESSIONID=abc; Path=/").expect("guid");
        assert_eq!(g.expose(), "abc");
        assert!(parse_set_guid("JSESSIONID=").is_none());
        assert!(parse_set_guid("other").is_none());
    }

    #[test]
    fn envelopes_parse_leniently() {
        let e = Envelope::parse(br#"{"message":"","retcode":"0"}"#).expect("env");
        assert_eq!(e.retcode, "0");
        assert!(e.event.is_none());
        assert!(e.result.is_null());
        let e = Envelope::parse(br#"{"msg":"x","retcode":"100-006","result":null}"#).expect("env");
        assert_eq!((e.retcode.as_str(), e.message.as_str()), ("100-006", "x"));
        let e = Envelope::parse(br#"{"retcode":"0","event":{"eventType":"AgentState_Ready"}}"#)
            .expect("env");
        assert!(e.event.is_some());
        assert!(Envelope::parse(b"<html>").is_none());
        assert!(Envelope::parse(br#"{"message":""}"#).is_none());
        assert!(Envelope::parse(br#"[1]"#).is_none());
    }
}
