//! Checking and decoding a pushed request's `Content-Type` and body.

use serde_json::Value;

use super::answer::Refusal;

/// Default deepest nesting of arrays and objects accepted in a body. Real
/// pushes nest about four levels (body, eventList, event, content); serde_json
/// itself stops at 128, which this stays well under so the refusal is ours
/// and says why.
pub const DEFAULT_MAX_JSON_DEPTH: usize = 32;

/// A decoded push body.
#[derive(Debug)]
pub(crate) struct Batch {
    /// The body's `workNo`.
    pub work_no: String,
    /// The events, oldest first, as sent.
    pub events: Vec<Value>,
}

/// `application/json`, with an optional `charset` that must be UTF-8; type,
/// parameter names and charset are compared case-insensitively.
pub(crate) fn is_json_content_type(value: &str) -> bool {
    let mut parts = value.split(';');
    let media_type = parts.next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case("application/json") {
        return false;
    }
    parts.all(|param| {
        let Some((name, val)) = param.split_once('=') else {
            // `application/json;` and the like: an empty parameter is harmless.
            return param.trim().is_empty();
        };
        if !name.trim().eq_ignore_ascii_case("charset") {
            return true;
        }
        let charset = val.trim().trim_matches('"');
        charset.eq_ignore_ascii_case("utf-8") || charset.eq_ignore_ascii_case("utf8")
    })
}

/// True when arrays and objects in `body` nest deeper than `max`. A linear
/// scan with no recursion, so any input is safe; brackets inside strings do
/// not count.
pub(crate) fn nests_deeper_than(body: &[u8], max: usize) -> bool {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &byte in body {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Decodes `{"workNo": "...", "eventList": [{"eventType": "...", ...}, ...]}`
/// for agent `work_no` (any agent when `None`: a site receiver takes the
/// agent from the body). Events are kept whole (unknown fields and event
/// types pass through) and in order.
pub(crate) fn decode(
    body: &[u8],
    max_depth: usize,
    work_no: Option<&str>,
) -> Result<Batch, Refusal> {
    if nests_deeper_than(body, max_depth) {
        return Err(Refusal::TooDeep);
    }
    let value: Value = serde_json::from_slice(body).map_err(|_| Refusal::NotJson)?;
    let Value::Object(mut object) = value else {
        return Err(Refusal::BadShape);
    };
    let Some(Value::String(body_work_no)) = object.remove("workNo") else {
        return Err(Refusal::BadShape);
    };
    let Some(Value::Array(events)) = object.remove("eventList") else {
        return Err(Refusal::BadShape);
    };
    let well_formed = events.iter().all(|event| {
        event
            .as_object()
            .is_some_and(|e| e.get("eventType").is_some_and(Value::is_string))
    });
    if !well_formed {
        return Err(Refusal::BadShape);
    }
    if work_no.is_some_and(|expected| body_work_no != expected) {
        return Err(Refusal::WrongAgent);
    }
    Ok(Batch {
        work_no: body_work_no,
        events,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        for ok in [
            "application/json",
            "application/json; charset=UTF-8",
            "Application/JSON;charset=utf-8",
            "application/json ; Charset=\"UTF-8\"",
            "application/json;",
        ] {
            assert!(is_json_content_type(ok), "{ok}");
        }
        for bad in [
            "",
            "text/plain",
            "application/jsonx",
            "application/x-www-form-urlencoded",
            "application/json; charset=ISO-8859-1",
            "text/json",
        ] {
            assert!(!is_json_content_type(bad), "{bad}");
        }
    }

    #[test]
    fn nesting_is_measured_outside_strings() {
        assert!(!nests_deeper_than(br#"{"a":[{"b":{}}]}"#, 4));
        assert!(nests_deeper_than(br#"{"a":[{"b":{}}]}"#, 3));
        assert!(!nests_deeper_than(br#"{"a":"[[[[[[[[\"[[[["}"#, 1));
        assert!(nests_deeper_than(&vec![b'['; 100_000], 32));
    }

    #[test]
    fn decodes_in_order_and_checks_shape() {
        let body = br#"{"workNo":"291","eventList":[
            {"eventType":"AgentOther_InService","workNo":"291","content":null},
            {"eventType":"AgentState_Ready","workNo":"291","content":null,"extra":[1]}]}"#;
        let batch = decode(body, 32, Some("291")).expect("decodes");
        let types: Vec<_> = batch
            .events
            .iter()
            .map(|e| e["eventType"].clone())
            .collect();
        assert_eq!(types, ["AgentOther_InService", "AgentState_Ready"]);
        assert_eq!(batch.events[1]["extra"], serde_json::json!([1]));

        assert_eq!(
            decode(body, 32, Some("292")).err(),
            Some(Refusal::WrongAgent)
        );
        assert_eq!(
            decode(b"not json", 32, Some("291")).err(),
            Some(Refusal::NotJson)
        );
        assert_eq!(
            decode(b"[]", 32, Some("291")).err(),
            Some(Refusal::BadShape)
        );
        for bad in [
            r#"{"eventList":[]}"#,
            r#"{"workNo":291,"eventList":[]}"#,
            r#"{"workNo":"291"}"#,
            r#"{"workNo":"291","eventList":{}}"#,
            r#"{"workNo":"291","eventList":[1]}"#,
            r#"{"workNo":"291","eventList":[{"content":null}]}"#,
            r#"{"workNo":"291","eventList":[{"eventType":7}]}"#,
        ] {
            assert_eq!(
                decode(bad.as_bytes(), 32, Some("291")).err(),
                Some(Refusal::BadShape),
                "{bad}"
            );
        }
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            decode(deep.as_bytes(), 32, Some("291")).err(),
            Some(Refusal::TooDeep)
        );
        let empty = decode(br#"{"workNo":"291","eventList":[]}"#, 32, Some("291")).expect("ok");
        assert!(empty.events.is_empty());
    }
}
