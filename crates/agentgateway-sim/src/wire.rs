//! The gateway's wire format: the path prefix, retcodes, answer bodies and
//! event objects.
//!
//! Bodies are built from structs so the JSON keys come out in the vendor's
//! order (`message`, `retcode`, `result`/`event`; `eventType`, `workNo`,
//! `content`, `eventGenTime`). Queued events are kept as JSON text, so an
//! event goes out byte for byte as it was made or injected.

use serde::Serialize;
use serde_json::Value;

/// Every gateway path sits under this.
pub const PREFIX: &str = "/agentgateway/resource";

pub const CONTENT_TYPE: &str = "application/json; charset=UTF-8";

/// The retcodes this simulator answers with (protocol.md §7).
pub mod retcode {
    pub const OK: &str = "0";
    pub const WRONG_EVENT_METHOD: &str = "000-001";
    pub const BAD_PARAMETER: &str = "000-002";
    pub const NO_PERMISSION: &str = "000-003";
    pub const SIGNIN_PARAMETER: &str = "100-001";
    pub const ALREADY_SIGNED_IN: &str = "100-002";
    pub const WRONG_PASSWORD: &str = "100-004";
    pub const NOT_SIGNED_IN: &str = "100-006";
    pub const STATE_FORBIDS: &str = "100-009";
    pub const SIGNIN_IN_PROGRESS: &str = "100-021";
    pub const CALLDATA_REJECTED: &str = "400-001";
    pub const HOLD_LIST_EMPTY: &str = "400-003";
    pub const CALLOUT_BAD_NUMBER: &str = "200-001";
    pub const NO_RINGING_CALL: &str = "200-002";
    pub const MUTE_NO_CALL: &str = "200-003";
    pub const MUTE_FORBIDDEN: &str = "200-004";
    pub const CONNECT_NO_CALL: &str = "200-005";
    pub const CONNECT_NO_HELD: &str = "200-006";
    pub const CONF_NO_CALL: &str = "200-010";
    pub const CONF_NO_HELD: &str = "200-011";
    pub const TRANSFER_NO_CALL: &str = "200-012";
    pub const RELEASE_NO_CALL: &str = "200-017";
    pub const HELP_NO_CALL: &str = "200-018";
}

/// A failure answer: HTTP 200 with a non-zero retcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub retcode: &'static str,
    pub message: &'static str,
}

impl Refusal {
    pub const fn new(retcode: &'static str, message: &'static str) -> Self {
        Self { retcode, message }
    }

    pub fn body(&self) -> String {
        answer_body(self.message, self.retcode, None)
    }
}

pub const NOT_SIGNED_IN: Refusal = Refusal::new(retcode::NOT_SIGNED_IN, "agent not signed in");
pub const NO_PERMISSION: Refusal = Refusal::new(
    retcode::NO_PERMISSION,
    "no permission: the GUID is missing, unknown or expired",
);
pub const STATE_FORBIDS: Refusal =
    Refusal::new(retcode::STATE_FORBIDS, "agent state does not allow this");
pub const BAD_PARAMETER: Refusal = Refusal::new(retcode::BAD_PARAMETER, "bad URL or parameter");

#[derive(Serialize)]
struct Answer<'a> {
    message: &'a str,
    retcode: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<&'a Value>,
}

/// `{"message":..,"retcode":..}` plus `"result"` when given.
pub fn answer_body(message: &str, retcode: &str, result: Option<&Value>) -> String {
    serde_json::to_string(&Answer {
        message,
        retcode,
        result,
    })
    .unwrap_or_default()
}

/// A success answer with a `result` (which may be `null`).
pub fn ok_body(result: &Value) -> String {
    answer_body("", retcode::OK, Some(result))
}

/// A poll answer: `{"message":"","retcode":"0"}` with the event when there is one.
pub fn poll_body(event_json: Option<&str>) -> String {
    match event_json {
        Some(event) => format!(r#"{{"message":"","retcode":"0","event":{event}}}"#),
        None => answer_body("", retcode::OK, None),
    }
}

/// A push POST body: `{"workNo":..,"eventList":[..]}`, oldest first.
pub fn push_body(work_no: &str, events: &[String]) -> String {
    let work_no = serde_json::to_string(work_no).unwrap_or_default();
    format!(
        r#"{{"workNo":{work_no},"eventList":[{}]}}"#,
        events.join(",")
    )
}

#[derive(Serialize)]
struct EventOut<'a> {
    #[serde(rename = "eventType")]
    event_type: &'a str,
    #[serde(rename = "workNo")]
    work_no: &'a str,
    content: &'a Value,
    #[serde(rename = "eventGenTime")]
    event_gen_time: u64,
}

/// One event object as JSON text.
pub fn event_json(event_type: &str, work_no: &str, content: &Value, gen_time_ms: u64) -> String {
    serde_json::to_string(&EventOut {
        event_type,
        work_no,
        content,
        event_gen_time: gen_time_ms,
    })
    .unwrap_or_default()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_come_out_in_the_vendor_order() {
        assert_eq!(poll_body(None), r#"{"message":"","retcode":"0"}"#);
        let ev = event_json("AgentOther_InService", "291", &Value::Null, 7);
        assert_eq!(
            ev,
            r#"{"eventType":"AgentOther_InService","workNo":"291","content":null,"eventGenTime":7}"#
        );
        assert_eq!(
            poll_body(Some(&ev)),
            format!(r#"{{"message":"","retcode":"0","event":{ev}}}"#)
        );
        assert_eq!(
            ok_body(&json!(null)),
            r#"{"message":"","retcode":"0","result":null}"#
        );
        assert_eq!(
            NOT_SIGNED_IN.body(),
            r#"{"message":"agent not signed in","retcode":"100-006"}"#
        );
        assert_eq!(
            push_body("291", &[ev.clone(), ev.clone()]),
            format!(r#"{{"workNo":"291","eventList":[{ev},{ev}]}}"#)
        );
    }
}
