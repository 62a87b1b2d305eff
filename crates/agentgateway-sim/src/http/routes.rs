//! The gateway's routes: from method, path, query, `Guid` header and body to
//! an operation of [`crate::gateway`] on the simulated agents.
//!
//! Every path sits under `/agentgateway/resource`. Protocol failures are
//! HTTP 200 with a non-zero retcode, as on the real gateway; only an unknown
//! path (404) or a known path with the wrong method (405) changes the HTTP
//! status, with a `000-002` body.

use std::sync::Arc;

use http::{HeaderMap, Method, StatusCode};

use super::{faults::RequestKind, ops};
use crate::{
    gateway::Reply,
    state::Gateway,
    wire::{BAD_PARAMETER, PREFIX, Refusal},
};

/// A gateway request, parsed from the path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Route<'a> {
    SignIn {
        force: bool,
    },
    SignOut {
        force: bool,
    },
    Handshake,
    UpdateGuid,
    Status,
    Poll,
    /// A bar, call-control or calldata operation, parsed later with query and body.
    Operation(&'a str, &'a [&'a str]),
    /// A read-only query, parsed later with query and body.
    Query(&'a str, &'a [&'a str]),
}

/// Segments below the prefix, or `None` for a path outside it.
fn segments(path: &str) -> Option<Vec<&str>> {
    let rest = path.strip_prefix(PREFIX)?;
    Some(rest.split('/').filter(|s| !s.is_empty()).collect())
}

fn route<'a>(method: &Method, segs: &'a [&'a str]) -> Option<(Route<'a>, &'a str)> {
    let m = method.clone();
    let r = match (segs.first().copied()?, segs.get(1).copied()?, &segs[2..]) {
        ("onlineagent", agent, []) if m == Method::PUT => (Route::SignIn { force: false }, agent),
        ("onlineagent", agent, ["forcelogin"]) if m == Method::PUT => {
            (Route::SignIn { force: true }, agent)
        }
        ("onlineagent", agent, ["logout"]) if m == Method::DELETE => {
            (Route::SignOut { force: false }, agent)
        }
        ("onlineagent", agent, ["forcelogout"]) if m == Method::DELETE => {
            (Route::SignOut { force: true }, agent)
        }
        ("onlineagent", agent, ["handshake"]) if m == Method::POST => (Route::Handshake, agent),
        ("onlineagent", agent, ["updateGuid"]) if m == Method::PUT => (Route::UpdateGuid, agent),
        ("onlineagent", agent, ["agentstatus"]) if m == Method::GET => (Route::Status, agent),
        (family, agent, rest) if ops::is_operation(&m, family, rest) => {
            (Route::Operation(family, rest), agent)
        }
        (family, agent, rest) if ops::is_query(&m, family, rest) => {
            (Route::Query(family, rest), agent)
        }
        ("agentevent", agent, []) if m == Method::GET => (Route::Poll, agent),
        _ => return None,
    };
    Some(r)
}

/// The request's kind (for faults) and agent, if the path is a gateway path.
pub fn classify(method: &Method, path: &str) -> (RequestKind, Option<String>) {
    let segs = segments(path).unwrap_or_default();
    let agent = segs.get(1).map(|a| (*a).to_owned());
    let kind = match route(method, &segs) {
        Some((Route::Poll, _)) => RequestKind::Poll,
        Some((Route::SignIn { .. }, _)) => RequestKind::Signin,
        Some((Route::Handshake, _)) => RequestKind::Handshake,
        _ => RequestKind::Operation,
    };
    (kind, agent)
}

/// Answer one gateway request.
pub async fn handle(
    gw: &Arc<Gateway>,
    method: &Method,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> (StatusCode, Reply) {
    let Some(segs) = segments(path) else {
        return not_found();
    };
    let Some((route, agent)) = route(method, &segs) else {
        let other_method = [Method::GET, Method::PUT, Method::POST, Method::DELETE]
            .iter()
            .any(|m| route(m, &segs).is_some());
        if other_method {
            let refusal = Refusal::new(BAD_PARAMETER.retcode, "method not allowed");
            return (StatusCode::METHOD_NOT_ALLOWED, refusal.into());
        }
        return not_found();
    };
    let guid = headers.get("guid").and_then(|v| v.to_str().ok());
    let params: Vec<(String, String)> = query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let reply = match route {
        Route::SignIn { force } => gw.sign_in(agent, body, force).await,
        Route::SignOut { force } => gw.sign_out(agent, guid, force).await,
        Route::Handshake => gw.handshake(agent, guid),
        Route::UpdateGuid => gw.update_guid(agent, guid),
        Route::Status => gw.agent_status(agent),
        Route::Poll => gw.poll(agent, guid, param("calldata")).await,
        Route::Operation(family, rest) => match ops::parse_op(family, rest, &param, body) {
            Ok(op) => gw.operate(agent, guid, op),
            Err(refusal) => refusal.into(),
        },
        Route::Query(family, rest) => match ops::parse_query(family, rest, &param, body) {
            Ok(query) => gw.query(agent, guid, query),
            Err(refusal) => refusal.into(),
        },
    };
    (StatusCode::OK, reply)
}

fn not_found() -> (StatusCode, Reply) {
    let refusal = Refusal::new(BAD_PARAMETER.retcode, "no such interface");
    (StatusCode::NOT_FOUND, refusal.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_kinds_and_agents() {
        let p = |s: &str| format!("{PREFIX}{s}");
        assert_eq!(
            classify(&Method::GET, &p("/agentevent/101")),
            (RequestKind::Poll, Some("101".into()))
        );
        assert_eq!(
            classify(&Method::PUT, &p("/onlineagent/101/forcelogin")).0,
            RequestKind::Signin
        );
        assert_eq!(
            classify(&Method::POST, &p("/onlineagent/101/handshake")).0,
            RequestKind::Handshake
        );
        assert_eq!(
            classify(&Method::POST, &p("/onlineagent/101/rest/60/1")).0,
            RequestKind::Operation
        );
    }
}
