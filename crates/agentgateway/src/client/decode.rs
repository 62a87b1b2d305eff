//! Tolerant reading of `result` values: gateways and releases differ in
//! whether numbers are strings or integers, in field spelling (`callid`,
//! `callId`) and in leaving fields out, so a missing or odd field is `None`,
//! never a failure. Only a result of the wrong kind altogether (a string
//! where a list belongs) is [`ClientError::Malformed`].

use reqwest::Method;
use serde_json::Value;

use super::{Client, ClientError};

/// A string, or a number or bool rendered as one; empty strings are `None`.
pub(crate) fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A non-negative integer, from a number or a numeric string.
pub(crate) fn count(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A signed integer, from a number or a numeric string.
pub(crate) fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The first of `names` that `obj` has as text.
pub(crate) fn text_of(obj: &Value, names: &[&str]) -> Option<String> {
    names.iter().find_map(|n| obj.get(*n).and_then(text))
}

/// The first of `names` that `obj` has as a count.
pub(crate) fn count_of(obj: &Value, names: &[&str]) -> Option<u64> {
    names.iter().find_map(|n| obj.get(*n).and_then(count))
}

/// The items of a list result: an array, `null` (none), or a single object
/// (one item). Anything else is malformed.
pub(crate) fn items(result: &Value, what: &str) -> Result<Vec<Value>, ClientError> {
    match result {
        Value::Array(a) => Ok(a.clone()),
        Value::Null => Ok(Vec::new()),
        Value::Object(_) => Ok(vec![result.clone()]),
        _ => Err(ClientError::Malformed {
            detail: format!("the {what} result is not a list"),
        }),
    }
}

/// A call ID in a result: a bare string or number, or an object with
/// `callid` / `callId`.
pub(crate) fn callid(result: &Value) -> Option<String> {
    match result {
        Value::Object(_) => text_of(result, &["callid", "callId", "callID"]),
        other => text(other),
    }
}

impl Client {
    /// One operation with the Guid header; the answer's `result`.
    pub(crate) async fn fetch(
        &self,
        method: Method,
        path: String,
        query: &[(&str, &str)],
        body: Option<Value>,
    ) -> Result<Value, ClientError> {
        let t = self.config().request_timeout;
        let ans = self.call(method, &path, query, body, true, t).await?;
        Ok(ans.envelope.result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_as_strings_or_integers() {
        assert_eq!(count(&json!(3)), Some(3));
        assert_eq!(count(&json!("3")), Some(3));
        assert_eq!(count(&json!(" 12 ")), Some(12));
        assert_eq!(count(&json!(4.0)), Some(4));
        assert_eq!(count(&json!(-1)), None);
        assert_eq!(count(&json!("x")), None);
        assert_eq!(count(&json!(null)), None);
        assert_eq!(int(&json!("-2")), Some(-2));
        assert_eq!(text(&json!(101)), Some("101".into()));
        assert_eq!(text(&json!("")), None);
        assert_eq!(text(&json!({"a":1})), None);
    }

    #[test]
    fn lists_and_call_ids() {
        assert_eq!(items(&json!(null), "x").expect("null").len(), 0);
        assert_eq!(items(&json!({"id":1}), "x").expect("one").len(), 1);
        assert_eq!(items(&json!([1, 2]), "x").expect("two").len(), 2);
        assert!(items(&json!("nope"), "x").is_err());
        assert_eq!(callid(&json!("c-1")), Some("c-1".into()));
        assert_eq!(callid(&json!(17)), Some("17".into()));
        assert_eq!(callid(&json!({"callId":"c-2"})), Some("c-2".into()));
        assert_eq!(callid(&json!(null)), None);
    }
}
