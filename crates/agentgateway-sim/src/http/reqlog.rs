//! The request log and its masking.
//!
//! Every gateway request is logged once answered (or dropped): wall-clock
//! and monotonic time, method, path, query, status, retcode and the request
//! headers. Secrets never enter the log: `Guid` shows as `****<last 4>`,
//! `service_token`, `Authorization` and `Cookie` as `<redacted>`, and a
//! `calldata` query value as its length only. Bodies are never logged.

use std::{collections::VecDeque, sync::Mutex};

use serde::Serialize;

use crate::{state::guid, sync::lock};

/// How many entries are kept (the oldest go first).
const KEEP: usize = 20_000;

/// One gateway request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LoggedRequest {
    /// Arrival, milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Arrival, milliseconds since the simulator started (monotonic).
    pub offset_ms: u64,
    /// How long until the answer (or the drop).
    pub duration_ms: u64,
    pub method: String,
    pub path: String,
    /// The query with `calldata` masked.
    pub query: Option<String>,
    /// `None` when the connection was dropped on purpose.
    pub status: Option<u16>,
    /// The answer's retcode, when it was a gateway JSON answer.
    pub retcode: Option<String>,
    /// Whether the answer carried `Set-GUID`.
    pub set_guid: bool,
    /// Request headers, masked.
    pub headers: Vec<(String, String)>,
    /// The fault applied, e.g. `drop`.
    pub fault: Option<String>,
}

#[derive(Debug, Default)]
pub struct RequestLog {
    entries: Mutex<VecDeque<LoggedRequest>>,
}

impl RequestLog {
    pub fn push(&self, entry: LoggedRequest) {
        let mut entries = lock(&self.entries);
        if entries.len() == KEEP {
            entries.pop_front();
        }
        entries.push_back(entry);
    }

    pub fn entries(&self) -> Vec<LoggedRequest> {
        lock(&self.entries).iter().cloned().collect()
    }

    pub fn clear(&self) {
        lock(&self.entries).clear();
    }
}

/// A header value as the log shows it.
pub fn mask_header(name: &str, value: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "guid" => guid::mask(value),
        "service_token" | "authorization" | "cookie" | "set-cookie" => "<redacted>".to_owned(),
        _ => value.to_owned(),
    }
}

/// A query string with every `calldata` value replaced by its length.
pub fn mask_query(query: &str) -> String {
    url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| {
            if k.eq_ignore_ascii_case("calldata") {
                format!("{k}=<{} bytes>", v.len())
            } else {
                format!("{k}={v}")
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked() {
        assert_eq!(
            mask_header("Guid", "279fe21d-2caa-4437-84c3-ab9e9dae20f5.AgentGateway0"),
            "****20f5"
        );
        assert_eq!(mask_header("service_token", "abc123"), "<redacted>");
        assert_eq!(mask_header("content-type", "x"), "x");
        assert_eq!(
            mask_query("calldata=secret%20order&x=1"),
            "calldata=<12 bytes>&x=1"
        );
    }
}
