//! Which paths are operations and queries, and how their path, query
//! string and body become an [`Op`] or a [`Query`]. A parameter that does
//! not parse is `000-002`.

use http::Method;
use serde_json::Value;

use crate::{
    gateway::queries::Query,
    state::calls::Op,
    wire::{BAD_PARAMETER, Refusal},
};

/// Whether `family/{agent}/rest…` with `method` is an operation.
pub fn is_operation(m: &Method, family: &str, rest: &[&str]) -> bool {
    let (get, put, post, delete) = (
        m == Method::GET,
        m == Method::PUT,
        m == Method::POST,
        m == Method::DELETE,
    );
    match (family, rest) {
        (
            "onlineagent",
            ["sayfree"]
            | ["saybusy"]
            | ["cancelbusy"]
            | ["cancelrest"]
            | ["work"]
            | ["cancelwork"]
            | ["rest", _, _]
            | ["resetskill", _]
            | ["autoanswer", _]
            | ["autoenteridle", _],
        ) => post,
        ("voicecall", ["answer"] | ["callout"] | ["callinner"]) => put,
        ("voicecall", ["release"]) => delete,
        (
            "voicecall",
            ["hold"]
            | ["gethold"]
            | ["transfer"]
            | ["canceltransfer"]
            | ["innerhelp"]
            | ["confjoin"]
            | ["dropcall", _]
            | ["disconnect", _]
            | ["beginmute"]
            | ["endmute"]
            | ["connecthold", _]
            | ["seconddialex"]
            | ["seconddial", _]
            | ["reject"],
        ) => post,
        ("calldata", ["setcalldataex"]) => put,
        ("calldata", ["appdata"]) => get,
        _ => false,
    }
}

/// Whether `family/{agent}/rest…` with `method` is a query.
pub fn is_query(m: &Method, family: &str, rest: &[&str]) -> bool {
    match (family, rest) {
        ("queuedevice", ["queryacdstat"]) => m == Method::POST,
        ("onlineagent", ["agentskills"] | ["agentskillsbyworkno", _])
        | (
            "calldata",
            ["callinfo"]
            | ["callinfobycallid", _]
            | ["allcallid"]
            | ["holdlist"]
            | ["callnums"]
            | ["statistics"]
            | ["statisticsEx"],
        )
        | (
            "queuedevice",
            ["agentskill", _]
            | ["waitnumbyagent"]
            | ["waitnum"]
            | ["skillwaitnum", _]
            | ["agentvdnskill"]
            | ["vdnskill", _]
            | ["ivrinfo"]
            | ["innoinfo"],
        )
        | (
            "agentgroup",
            ["idleagent"] | ["allagentstatus"] | ["agentbyskill", _] | ["restreason"],
        ) => m == Method::GET,
        _ => false,
    }
}

/// A JSON string or number as text.
fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A small number given as JSON number or string; `default` when absent.
fn small(v: Option<&Value>, default: u8) -> Result<u8, Refusal> {
    match v {
        None | Some(Value::Null) => Ok(default),
        v => text(v).and_then(|t| t.parse().ok()).ok_or(BAD_PARAMETER),
    }
}

fn id(segment: &str) -> Result<u32, Refusal> {
    segment.parse().map_err(|_| BAD_PARAMETER)
}

pub fn parse_op(
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
        ("onlineagent", ["resetskill", autoflag]) => {
            let ids = param("skillid").unwrap_or_default();
            if ids.len() > 4000 {
                return Err(BAD_PARAMETER);
            }
            let ids = ids
                .split(';')
                .filter(|s| !s.is_empty())
                .map(id)
                .collect::<Result<Vec<u32>, _>>()?;
            if !matches!(param("phonelinkage").as_deref(), None | Some("0" | "1")) {
                return Err(BAD_PARAMETER);
            }
            Op::ResetSkill {
                autoflag: (*autoflag).to_owned(),
                ids,
            }
        }
        ("onlineagent", ["autoanswer", flag]) => match *flag {
            "true" => Op::AutoAnswer(true),
            "false" => Op::AutoAnswer(false),
            _ => return Err(BAD_PARAMETER),
        },
        ("onlineagent", ["autoenteridle", flag]) => {
            if flag.is_empty() || flag.len() > 5 {
                return Err(BAD_PARAMETER);
            }
            Op::AutoEnterIdle(*flag == "true")
        }
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
        ("voicecall", ["canceltransfer"]) => Op::CancelTransfer,
        ("voicecall", ["callout"]) => {
            let v = json()?;
            Op::CallOut {
                called: text(v.get("called")).unwrap_or_default(),
                caller: text(v.get("caller")),
                skill: match text(v.get("skillid")) {
                    None => None,
                    Some(s) if s.is_empty() => None,
                    Some(s) => Some(id(&s)?),
                },
                calldata: text(v.get("callappdata")),
                media_ability: text(v.get("mediaability")),
            }
        }
        ("voicecall", ["callinner"]) => Op::CallInner {
            called: text(json()?.get("called")).ok_or(BAD_PARAMETER)?,
        },
        ("voicecall", ["innerhelp"]) => {
            let v = json()?;
            Op::InnerHelp {
                dst: text(v.get("dstaddress")).ok_or(BAD_PARAMETER)?,
                devicetype: small(v.get("devicetype"), 2)?,
                three_party: match small(v.get("mode"), 1)? {
                    1 => false,
                    2 => true,
                    _ => return Err(BAD_PARAMETER),
                },
                calldata: text(v.get("callappdata")),
            }
        }
        ("voicecall", ["confjoin"]) => Op::ConfJoin {
            callid: text(json()?.get("callid")).ok_or(BAD_PARAMETER)?,
        },
        ("voicecall", ["dropcall", callid]) => Op::DropCall {
            callid: (*callid).to_owned(),
        },
        ("voicecall", ["disconnect", number]) => Op::Disconnect {
            number: (*number).to_owned(),
        },
        ("voicecall", ["beginmute"]) => Op::Mute { on: true },
        ("voicecall", ["endmute"]) => Op::Mute { on: false },
        ("voicecall", ["connecthold", callid]) => Op::ConnectHold {
            callid: (*callid).to_owned(),
        },
        ("voicecall", ["seconddialex"]) => Op::SecondDial {
            digits: param("number").ok_or(BAD_PARAMETER)?,
        },
        ("voicecall", ["seconddial", number]) => Op::SecondDial {
            digits: (*number).to_owned(),
        },
        ("voicecall", ["reject"]) => {
            let v = json()?;
            Op::Reject {
                callid: text(v.get("callid")).filter(|c| !c.is_empty()),
                mode: small(v.get("mode"), 0)?,
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

pub fn parse_query(
    family: &str,
    rest: &[&str],
    param: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
) -> Result<Query, Refusal> {
    let q = match (family, rest) {
        ("onlineagent", ["agentskills"]) => Query::ConfiguredSkills,
        ("onlineagent", ["agentskillsbyworkno", w]) => Query::ConfiguredSkillsOf((*w).to_owned()),
        ("queuedevice", ["agentskill", w]) => Query::SignedInSkillsOf((*w).to_owned()),
        ("calldata", ["callinfo"]) => Query::CallInfo {
            without_last: param("isNoContainLastCall").as_deref() == Some("true"),
        },
        ("calldata", ["callinfobycallid", c]) => Query::CallInfoById((*c).to_owned()),
        ("calldata", ["allcallid"]) => Query::AllCallIds,
        ("calldata", ["holdlist"]) => Query::HoldList,
        ("calldata", ["callnums"]) => Query::CallCount,
        ("calldata", ["statistics"]) => Query::Statistics,
        ("calldata", ["statisticsEx"]) => Query::StatisticsEx,
        ("queuedevice", ["waitnumbyagent"]) => Query::WaitBySignedIn,
        ("queuedevice", ["waitnum"]) => Query::WaitByConfigured,
        ("queuedevice", ["skillwaitnum", s]) => Query::SkillWait(id(s)?),
        ("queuedevice", ["queryacdstat"]) => {
            let v: Value = serde_json::from_slice(body).map_err(|_| BAD_PARAMETER)?;
            let skills = v
                .get("skills")
                .and_then(Value::as_array)
                .ok_or(BAD_PARAMETER)?;
            let ids = skills
                .iter()
                .map(|s| text(Some(s)).ok_or(BAD_PARAMETER).and_then(|t| id(&t)))
                .collect::<Result<Vec<u32>, _>>()?;
            Query::AcdStat(ids)
        }
        ("queuedevice", ["agentvdnskill"] | ["vdnskill", _]) => Query::VdnSkills,
        ("queuedevice", ["ivrinfo"]) => Query::Ivrs,
        ("queuedevice", ["innoinfo"]) => Query::AccessCodes,
        ("agentgroup", ["idleagent"]) => Query::IdleAgents,
        ("agentgroup", ["allagentstatus"]) => Query::AllAgentStatus,
        ("agentgroup", ["agentbyskill", s]) => Query::AgentsBySkill(id(s)?),
        ("agentgroup", ["restreason"]) => Query::RestReasons,
        _ => return Err(BAD_PARAMETER),
    };
    Ok(q)
}
