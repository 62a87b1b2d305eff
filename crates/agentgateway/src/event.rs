//! Typed agent events (interface reference §4).
//!
//! Decoding never fails: an unknown `eventType` becomes [`EventKind::Unknown`],
//! a known type whose `content` has an unexpected shape keeps its kind with
//! empty details and `content_decoded: false`. The raw JSON of every event is
//! kept so the UI and the CLI can pass it through untouched.

use serde::Serialize;
use serde_json::Value;

/// One event from the gateway, as decoded plus as received.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// The `eventType` string as received (empty when missing).
    pub event_type: String,
    /// The `workNo` the event is about, when given.
    pub work_no: Option<String>,
    /// `eventGenTime` (epoch ms) on newer gateways.
    pub gen_time_ms: Option<u64>,
    /// What the event means.
    pub kind: EventKind,
    /// False when the type is known but its content had an unexpected shape.
    pub content_decoded: bool,
    /// The event object exactly as received.
    pub raw: Value,
}

/// Details of an offered call (`AgentEvent_Ringing`, `AgentEvent_Auto_Answer`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallOffer {
    pub caller: Option<String>,
    pub called: Option<String>,
    pub callid: Option<String>,
    /// `transfer`: "yes" when the call was transferred to this agent.
    pub transfer: Option<bool>,
    pub transfrom: Option<String>,
    /// `type`: "main" or "assistant".
    pub call_type: Option<String>,
    pub media_type: Option<String>,
    /// 1 voice, 2 video, 3 both.
    pub media_ability: Option<String>,
    /// 0 inbound, 7 outbound.
    pub feature: Option<String>,
}

/// Details of a connected call (`AgentEvent_Talking`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallTalking {
    pub caller: Option<String>,
    pub called: Option<String>,
    pub callid: Option<String>,
    pub feature: Option<String>,
    pub call_type: Option<String>,
    pub media_ability: Option<String>,
}

/// Details of `AgentEvent_Customer_Alerting`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerAlerting {
    pub callid: Option<String>,
    pub other_phone_workno: Option<String>,
    pub other_phone: Option<String>,
    pub call_type: Option<String>,
}

/// Details of `AgentEvent_Incoming_CallInfo` (§14): an inbound call on its way.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IncomingCall {
    pub callid: Option<String>,
    pub skill_name: Option<String>,
    pub skill_id: Option<String>,
    pub caller: Option<String>,
    pub called: Option<String>,
    pub media_type: Option<String>,
    /// The agent who last released the call back to the queue.
    pub last_release_agent_id: Option<String>,
    /// How often the call was released back to the queue.
    pub requeue_count: Option<u64>,
    pub requeue_flag: Option<String>,
}

/// What an event means. Variants follow the catalogue in §4 and the
/// call-control events of §9.4 and §14.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum EventKind {
    // --- agent state ---
    /// `AgentState_Ready`: idle.
    Ready,
    /// `AgentState_Busy`: occupied by a call.
    Busy,
    /// `AgentState_Work`: wrap-up.
    Work,
    /// `AgentState_SetNotReady_Success`.
    SetNotReadySuccess {
        reason: Option<String>,
    },
    CancelNotReadySuccess,
    SetRestSuccess,
    CancelRestSuccess,
    /// A reminder: the rest has run over, the agent is still resting.
    RestTimeout,
    SetWorkSuccess,
    CancelWorkSuccess,
    ForceReady,
    ForceSetNotReady,
    // --- calls ---
    Ringing(CallOffer),
    AutoAnswer(CallOffer),
    Talking(CallTalking),
    CustomerAlerting(CustomerAlerting),
    Hold {
        callid: Option<String>,
    },
    CallRelease {
        callid: Option<String>,
    },
    CustomerRelease {
        callid: Option<String>,
        number: Option<String>,
    },
    CallOutFail {
        callid: Option<String>,
    },
    /// A three-party call formed; `partners`: the other parties.
    Conference {
        callid: Option<String>,
        partners: Vec<String>,
    },
    NoAnswer {
        callid: Option<String>,
    },
    ConnectFail {
        callid: Option<String>,
    },
    ConsultFail {
        callid: Option<String>,
    },
    InsideCallFail {
        callid: Option<String>,
    },
    /// A wait-for-answer transfer's outcome: `result` 0 = transferred,
    /// anything else: the customer is still with the agent.
    SuccTransResult {
        callid: Option<String>,
        result: Option<i64>,
    },
    /// A transfer to an external number: `result` 0 = transferred.
    TransOutResult {
        callid: Option<String>,
        result: Option<i64>,
    },
    /// The call came back after an IVR hang-up transfer.
    ReturnFromIvr {
        callid: Option<String>,
    },
    /// An inbound call is on its way (§14).
    IncomingCallInfo(IncomingCall),
    AgentOccupied {
        callid: Option<String>,
    },
    MessageData,
    // --- other ---
    /// `AgentOther_InService`: signing in.
    InService,
    /// `AgentOther_ShutdownService`: signed out.
    ShutdownService {
        login_time: Option<String>,
    },
    AllAgentBusy,
    PhoneAlerting,
    PhoneOffhook {
        offhook_type: Option<String>,
    },
    PhoneRelease {
        phone_state: Option<i64>,
    },
    PhoneUnknown,
    PhoneBusy,
    Note,
    Bulletin,
    /// Any other `eventType`, passed through unharmed (see `Event::raw`).
    Unknown,
}

impl Event {
    /// Decodes one event object. Never fails.
    pub fn from_json(raw: Value) -> Event {
        let event_type = raw
            .get("eventType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let work_no = raw.get("workNo").and_then(text);
        let gen_time_ms = raw.get("eventGenTime").and_then(|v| {
            v.as_u64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        });
        let null = Value::Null;
        let content = raw.get("content").unwrap_or(&null);
        let (kind, content_decoded) = decode_kind(&event_type, content);
        Event {
            event_type,
            work_no,
            gen_time_ms,
            kind,
            content_decoded,
            raw,
        }
    }

    /// The call ID this event is about, when it names one.
    pub fn callid(&self) -> Option<&str> {
        use EventKind::*;
        match &self.kind {
            Ringing(o) | AutoAnswer(o) => o.callid.as_deref(),
            Talking(t) => t.callid.as_deref(),
            CustomerAlerting(a) => a.callid.as_deref(),
            IncomingCallInfo(i) => i.callid.as_deref(),
            Hold { callid }
            | CallRelease { callid }
            | CustomerRelease { callid, .. }
            | CallOutFail { callid }
            | Conference { callid, .. }
            | NoAnswer { callid }
            | ConnectFail { callid }
            | ConsultFail { callid }
            | InsideCallFail { callid }
            | SuccTransResult { callid, .. }
            | TransOutResult { callid, .. }
            | ReturnFromIvr { callid }
            | AgentOccupied { callid } => callid.as_deref(),
            _ => None,
        }
    }
}

/// A string, or a number rendered as one (gateways differ).
fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn field(content: &Value, name: &str) -> Option<String> {
    content.get(name).and_then(text)
}

/// Content that is an object (or null). Anything else is undecodable.
fn object(content: &Value) -> Option<&Value> {
    match content {
        Value::Object(_) | Value::Null => Some(content),
        _ => None,
    }
}

/// A bare call ID as string content, or an object with `callid`.
fn callid_content(content: &Value) -> (Option<String>, bool) {
    match content {
        Value::String(s) => (Some(s.clone()), true),
        Value::Number(n) => (Some(n.to_string()), true),
        Value::Null => (None, true),
        Value::Object(_) => (
            field(content, "callid").or_else(|| field(content, "callId")),
            true,
        ),
        _ => (None, false),
    }
}

fn offer(c: &Value) -> (CallOffer, bool) {
    match object(c) {
        Some(c) => (
            CallOffer {
                caller: field(c, "caller"),
                called: field(c, "called"),
                callid: field(c, "callid"),
                transfer: field(c, "transfer").map(|t| t.eq_ignore_ascii_case("yes")),
                transfrom: field(c, "transfrom"),
                call_type: field(c, "type"),
                media_type: field(c, "mediaType"),
                media_ability: field(c, "mediaAbility"),
                feature: field(c, "feature"),
            },
            true,
        ),
        None => (CallOffer::default(), false),
    }
}

/// `AgentEvent_Conference`: `{"callid","partner":"7101,7102"}` (a list of
/// partners, or a bare call ID, is taken too).
fn conference(c: &Value) -> (EventKind, bool) {
    let partners = match c.get("partner").or_else(|| c.get("partners")) {
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect(),
        Some(Value::Array(a)) => a.iter().filter_map(text).collect(),
        Some(other) => text(other).into_iter().collect(),
        None => Vec::new(),
    };
    let (callid, ok) = callid_content(c);
    (EventKind::Conference { callid, partners }, ok)
}

/// A transfer outcome: `{"result":<int>,"callId":"…"}` (capital I, the
/// lower-case spelling taken too); a bare call ID has no result.
fn outcome(c: &Value) -> (Option<String>, Option<i64>, bool) {
    let (callid, ok) = callid_content(c);
    let raw = c.get("result");
    let result = raw.and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    });
    let ok = ok && raw.is_none_or(|v| v.is_null() || result.is_some());
    (callid, result, ok)
}

fn decode_kind(event_type: &str, c: &Value) -> (EventKind, bool) {
    use EventKind::*;
    let with_callid = |make: fn(Option<String>) -> EventKind| {
        let (callid, ok) = callid_content(c);
        (make(callid), ok)
    };
    let plain = |k: EventKind| (k, true);
    match event_type {
        "AgentState_Ready" => plain(Ready),
        "AgentState_Busy" => plain(Busy),
        "AgentState_Work" => plain(Work),
        "AgentState_SetNotReady_Success" => match object(c) {
            Some(o) => plain(SetNotReadySuccess {
                reason: field(o, "reason"),
            }),
            None => (SetNotReadySuccess { reason: None }, false),
        },
        "AgentState_CancelNotReady_Success" => plain(CancelNotReadySuccess),
        "AgentState_SetRest_Success" => plain(SetRestSuccess),
        "AgentState_CancelRest_Success" => plain(CancelRestSuccess),
        "AgentState_Rest_Timeout" => plain(RestTimeout),
        "AgentState_SetWork_Success" => plain(SetWorkSuccess),
        "AgentState_CancelWork_Success" => plain(CancelWorkSuccess),
        "AgentState_Force_Ready" => plain(ForceReady),
        "AgentState_Force_SetNotReady" => plain(ForceSetNotReady),
        "AgentEvent_Ringing" => {
            let (o, ok) = offer(c);
            (Ringing(o), ok)
        }
        "AgentEvent_Auto_Answer" => {
            let (o, ok) = offer(c);
            (AutoAnswer(o), ok)
        }
        "AgentEvent_Talking" => match object(c) {
            Some(c) => plain(Talking(CallTalking {
                caller: field(c, "caller"),
                called: field(c, "called"),
                callid: field(c, "callid"),
                feature: field(c, "feature"),
                call_type: field(c, "type"),
                media_ability: field(c, "mediaAbility"),
            })),
            None => (Talking(CallTalking::default()), false),
        },
        "AgentEvent_Customer_Alerting" => match object(c) {
            Some(c) => plain(CustomerAlerting(self::CustomerAlerting {
                callid: field(c, "callid"),
                other_phone_workno: field(c, "otherPhoneWorkno"),
                other_phone: field(c, "otherPhone"),
                call_type: field(c, "type"),
            })),
            None => (CustomerAlerting(self::CustomerAlerting::default()), false),
        },
        "AgentEvent_Hold" => with_callid(|callid| Hold { callid }),
        "AgentEvent_Call_Release" => with_callid(|callid| CallRelease { callid }),
        "AgentEvent_Customer_Release" => match c {
            Value::Object(_) | Value::Null => plain(CustomerRelease {
                callid: field(c, "callid"),
                number: field(c, "number"),
            }),
            Value::String(s) => plain(CustomerRelease {
                callid: Some(s.clone()),
                number: None,
            }),
            _ => (
                CustomerRelease {
                    callid: None,
                    number: None,
                },
                false,
            ),
        },
        "AgentEvent_Call_Out_Fail" => with_callid(|callid| CallOutFail { callid }),
        "AgentEvent_Conference" => conference(c),
        "AgentEvent_No_Answer" => with_callid(|callid| NoAnswer { callid }),
        "AgentEvent_Connect_Fail" => with_callid(|callid| ConnectFail { callid }),
        "AgentEvent_Consult_Fail" => with_callid(|callid| ConsultFail { callid }),
        "AgentEvent_Inside_Call_Fail" => with_callid(|callid| InsideCallFail { callid }),
        "AgentEvent_SuccTransResult" => {
            let (callid, result, ok) = outcome(c);
            (SuccTransResult { callid, result }, ok)
        }
        "AgentEvent_TransOutResult" => {
            let (callid, result, ok) = outcome(c);
            (TransOutResult { callid, result }, ok)
        }
        "AgentEvent_ReturnFromIvr" => with_callid(|callid| ReturnFromIvr { callid }),
        "AgentEvent_Incoming_CallInfo" => match object(c) {
            Some(c) => plain(IncomingCallInfo(IncomingCall {
                callid: field(c, "callId").or_else(|| field(c, "callid")),
                skill_name: field(c, "skillName"),
                skill_id: field(c, "skillId"),
                caller: field(c, "caller"),
                called: field(c, "called"),
                media_type: field(c, "mediaType"),
                last_release_agent_id: field(c, "lastReleaseAgentId"),
                requeue_count: c.get("releaseAndReQueueCount").and_then(|v| {
                    v.as_u64()
                        .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                }),
                requeue_flag: field(c, "releaseAndReQueueCallFlag"),
            })),
            None => (IncomingCallInfo(IncomingCall::default()), false),
        },
        "AgentEvent_Agent_Occupyed" => with_callid(|callid| AgentOccupied { callid }),
        "AgentEvent_MessageData" => plain(MessageData),
        "AgentOther_InService" => plain(InService),
        "AgentOther_ShutdownService" => match object(c) {
            Some(o) => plain(ShutdownService {
                login_time: field(o, "loginTime"),
            }),
            None => (ShutdownService { login_time: None }, false),
        },
        "AgentOther_All_Agent_Busy" => plain(AllAgentBusy),
        "AgentOther_PhoneAlerting" => plain(PhoneAlerting),
        "AgentOther_PhoneOffhook" => match c {
            Value::Object(_) | Value::Null => plain(PhoneOffhook {
                offhook_type: field(c, "type"),
            }),
            _ => (PhoneOffhook { offhook_type: None }, false),
        },
        "AgentOther_PhoneRelease" => match c {
            Value::Object(_) | Value::Null => {
                let state = c.get("phoneState");
                let phone_state = state.and_then(|v| {
                    v.as_i64()
                        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                });
                let ok = state.is_none_or(|v| v.is_null() || phone_state.is_some());
                (PhoneRelease { phone_state }, ok)
            }
            _ => (PhoneRelease { phone_state: None }, false),
        },
        "AgentOther_PhoneUnknow" => plain(PhoneUnknown),
        "AgentOther_PhoneBusy" => plain(PhoneBusy),
        "AgentOther_Note" => plain(Note),
        "AgentOther_Bulletin" => plain(Bulletin),
        _ => plain(Unknown),
    }
}

#[cfg(test)]
mod tests;
