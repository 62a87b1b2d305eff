//! Faults: break the next N gateway requests of a kind on purpose.
//!
//! A fault replaces the request's processing (the gateway state is not
//! touched), except `delay`, which waits and then lets the request through.
//! Faults are consumed in the order they were added; the first one that
//! matches a request is used for it.
//!
//! Kinds: `poll` (`GET /agentevent/..`), `signin` (sign-in and forcible
//! sign-in), `handshake`, `operation` (every other gateway call: sign-out,
//! status, GUID update, bar operations, calldata), `any`, or
//! `{"path_prefix": ".."}` (matched against the full path and the path below
//! `/agentgateway/resource`).

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::{sync::lock, wire::PREFIX};

/// Which requests a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultTarget {
    Poll,
    Signin,
    Handshake,
    Operation,
    Any,
    PathPrefix(String),
}

/// What happens instead of the answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer this HTTP status with a short text body.
    Status { status: u16 },
    /// Wait, then process the request normally.
    Delay { ms: u64 },
    /// Close the connection without answering.
    Drop,
    /// 200 with JSON cut off in the middle.
    MalformedBody,
    /// 200 whose `Content-Length` promises more than is sent; then the
    /// connection closes.
    TruncatedBody,
    /// 200 with an HTML page and `Content-Type: text/html` (a proxy's page).
    WrongContentType,
    /// 200 with `{"message":"simulated fault","retcode":<retcode>}`, e.g. the
    /// disaster-recovery codes `105-005`, `105-006`, `105-007`.
    Retcode { retcode: String },
}

/// A fault for the next `count` matching requests, of one agent or of all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    pub target: FaultTarget,
    #[serde(default = "one")]
    pub count: u32,
    pub action: FaultAction,
    #[serde(default)]
    pub agent: Option<String>,
}

fn one() -> u32 {
    1
}

impl Fault {
    /// A fault for the next `count` requests of `target`, for any agent.
    pub fn new(target: FaultTarget, count: u32, action: FaultAction) -> Self {
        Self {
            target,
            count,
            action,
            agent: None,
        }
    }
}

/// The kind of a gateway request, for matching faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    Poll,
    Signin,
    Handshake,
    Operation,
}

/// The pending faults.
#[derive(Debug, Default)]
pub struct Faults {
    pending: Mutex<Vec<Fault>>,
}

impl Faults {
    pub fn add(&self, fault: Fault) {
        if fault.count > 0 {
            lock(&self.pending).push(fault);
        }
    }

    pub fn clear(&self) {
        lock(&self.pending).clear();
    }

    pub fn pending(&self) -> Vec<Fault> {
        lock(&self.pending).clone()
    }

    /// Use up one count of the first fault matching this request.
    pub fn take(&self, kind: RequestKind, path: &str, agent: Option<&str>) -> Option<FaultAction> {
        let mut pending = lock(&self.pending);
        let index = pending
            .iter()
            .position(|f| matches(&f.target, kind, path) && agent_matches(f, agent))?;
        let fault = &mut pending[index];
        fault.count -= 1;
        let action = fault.action.clone();
        if fault.count == 0 {
            pending.remove(index);
        }
        Some(action)
    }
}

fn agent_matches(fault: &Fault, agent: Option<&str>) -> bool {
    fault.agent.as_deref().is_none_or(|a| Some(a) == agent)
}

fn matches(target: &FaultTarget, kind: RequestKind, path: &str) -> bool {
    match target {
        FaultTarget::Any => true,
        FaultTarget::Poll => kind == RequestKind::Poll,
        FaultTarget::Signin => kind == RequestKind::Signin,
        FaultTarget::Handshake => kind == RequestKind::Handshake,
        FaultTarget::Operation => kind == RequestKind::Operation,
        FaultTarget::PathPrefix(prefix) => {
            path.starts_with(prefix.as_str())
                || path
                    .strip_prefix(PREFIX)
                    .is_some_and(|rest| rest.starts_with(prefix.as_str()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_is_used_up_after_count_matching_requests() {
        let faults = Faults::default();
        faults.add(Fault::new(FaultTarget::Poll, 2, FaultAction::Drop));
        let poll = "/agentgateway/resource/agentevent/101";
        assert_eq!(faults.take(RequestKind::Operation, "/x", None), None);
        assert_eq!(
            faults.take(RequestKind::Poll, poll, None),
            Some(FaultAction::Drop)
        );
        assert_eq!(
            faults.take(RequestKind::Poll, poll, None),
            Some(FaultAction::Drop)
        );
        assert_eq!(faults.take(RequestKind::Poll, poll, None), None);
    }

    #[test]
    fn path_prefix_and_agent_filters_apply() {
        let faults = Faults::default();
        let mut fault = Fault::new(
            FaultTarget::PathPrefix("/voicecall".into()),
            1,
            FaultAction::Status { status: 503 },
        );
        fault.agent = Some("102".into());
        faults.add(fault);
        let path = "/agentgateway/resource/voicecall/101/answer";
        assert_eq!(faults.take(RequestKind::Operation, path, Some("101")), None);
        let path = "/agentgateway/resource/voicecall/102/answer";
        assert!(
            faults
                .take(RequestKind::Operation, path, Some("102"))
                .is_some()
        );
    }

    #[test]
    fn control_json_shape() {
        let f: Fault = serde_json::from_str(
            r#"{"target":{"path_prefix":"/calldata"},"count":3,"action":{"type":"retcode","retcode":"105-005"}}"#,
        )
        .unwrap();
        assert_eq!(f.count, 3);
        assert_eq!(
            f.action,
            FaultAction::Retcode {
                retcode: "105-005".into()
            }
        );
        let f: Fault =
            serde_json::from_str(r#"{"target":"poll","action":{"type":"drop"}}"#).unwrap();
        assert_eq!((f.target, f.count), (FaultTarget::Poll, 1));
    }
}
