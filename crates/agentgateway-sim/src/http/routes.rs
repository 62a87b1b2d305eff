//! The gateway's routes: from method, path, query, `Guid` header and body to
//! an operation of [`crate::gateway`] on the simulated agents.
//!
//! Every path sits under `/agentgateway/resource`. Protocol failures are
//! HTTP 200 with a non-zero retcode, as on the real gateway; only an unknown
//! path (404) or a known path with the wrong method (405) changes the HTTP
//! status, with a `000-002` body.

use std::sync::Arc;

use http::{HeaderMap, Method, StatusCode};
use serde_json::Value;

use super::faults::RequestKind;
use crate::{
    gateway::Reply,
    state::{Gateway, calls::Op},
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
    /// A bar or calldata operation, parsed later with query and body.
    Operation(&'a str, &'a [&'a str]),
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
        (
            "onlineagent",
            agent,
            rest @ (["sayfree"]
            | ["saybusy"]
            | ["cancelbusy"]
            | ["cancelrest"]
            | ["work"]
            | ["cancelwork"]
            | ["rest", _, _]),
        ) if m == Method::POST => (Route::Operation("onlineagent", rest), agent),
        ("voicecall", agent, rest @ ["answer"]) if m == Method::PUT => {
            (Route::Operation("voicecall", rest), agent)
        }
        ("voicecall", agent, rest @ ["release"]) if m == Method::DELETE => {
            (Route::Operation("voicecall", rest), agent)
        }
        ("voicecall", agent, rest @ (["hold"] | ["gethold"] | ["transfer"]))
            if m == Method::POST =>
        {
            (Route::Operation("voicecall", rest), agent)
        }
        ("calldata", agent, rest @ ["setcalldataex"]) if m == Method::PUT => {
            (Route::Operation("calldata", rest), agent)
        }
        ("calldata", agent, rest @ ["appdata"]) if m == Method::GET => {
            (Route::Operation("calldata", rest), agent)
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
        Route::Operation(family, rest) => match parse_op(family, rest, &param, body) {
            Ok(op) => gw.operate(agent, guid, op),
            Err(refusal) => refusal.into(),
        },
    };
    (StatusCode::OK, reply)
}

fn not_found() -> (StatusCode, Reply) {
    let refusal = Refusal::new(BAD_PARAMETER.retcode, "no such interface");
    (StatusCode::NOT_FOUND, refusal.into())
}

/// A JSON string or number as text.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse_op(
    family: &str,
    rest: &[&str],
    param: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
) -> Result<Op, Refusal> {
    let json = || serde_json::from_slice::<Value>(body).map_err(|_| BAD_PARAMETER);
    let op = match (family, rest) {
        ("onlineagent", ["sayfree"]) => Op::SayFree,
        ("onlineagent", ["saybusy"]) => {
            let reason = match param("reason") {
                None => None,
                Some(r) => Some(
                    r.parse::<u16>()
                        .ok()
                        .filter(|r| (200..=250).contains(r))
                        .ok_or(BAD_PARAMETER)?,
                ),
            };
            Op::SayBusy { reason }
        }
        ("onlineagent", ["cancelbusy"]) => Op::CancelBusy,
        ("onlineagent", ["rest", seconds, cause]) => Op::Rest {
            seconds: seconds
                .parse::<u32>()
                .ok()
                .filter(|s| (1..=86_399).contains(s))
                .ok_or(BAD_PARAMETER)?,
            cause: cause.parse::<u8>().map_err(|_| BAD_PARAMETER)?,
        },
        ("onlineagent", ["cancelrest"]) => Op::CancelRest,
        ("onlineagent", ["work"]) => Op::Work,
        ("onlineagent", ["cancelwork"]) => Op::CancelWork,
        ("voicecall", ["answer"]) => Op::Answer,
        ("voicecall", ["release"]) => Op::Release,
        ("voicecall", ["hold"]) => Op::Hold,
        ("voicecall", ["gethold"]) => Op::GetHold {
            callid: param("callid"),
        },
        ("voicecall", ["transfer"]) => {
            let v = json()?;
            Op::Transfer {
                devicetype: text(v.get("devicetype")).ok_or(BAD_PARAMETER)?,
                address: text(v.get("address")).ok_or(BAD_PARAMETER)?,
                mode: text(v.get("mode")).unwrap_or_else(|| "0".to_owned()),
            }
        }
        ("calldata", ["setcalldataex"]) => {
            let v = json()?;
            let calldata = v.get("calldata").and_then(Value::as_str);
            Op::SetCallData {
                callid: text(v.get("callid")).ok_or(BAD_PARAMETER)?,
                calldata: calldata.ok_or(BAD_PARAMETER)?.to_owned(),
                encoded: match v.get("isDataEncoded") {
                    None | Some(Value::Null) => false,
                    Some(Value::Bool(b)) => *b,
                    Some(Value::String(s)) => s == "true",
                    Some(_) => return Err(BAD_PARAMETER),
                },
            }
        }
        ("calldata", ["appdata"]) => Op::AppData {
            callid: param("callId"),
        },
        _ => return Err(BAD_PARAMETER),
    };
    Ok(op)
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
