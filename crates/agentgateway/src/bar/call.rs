//! One call on the bar, and what the gateway's codes say about it.
//!
//! An agent may have several calls at once (a held customer and a consult
//! call, a conference): each is keyed by its call ID, and the controls
//! each allows follow its `feature` code (protocol §13).

use std::fmt;

use serde::{Serialize, Serializer};

use crate::event::{CallOffer, CustomerAlerting};

/// Call direction, from the event's `feature` (0/5 inbound, 7 and the
/// campaign codes outbound, 6 and the help codes internal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    Inbound,
    Outbound,
    /// Agent to agent: an internal call, a consult, a conference.
    Internal,
    Unknown,
}

impl Direction {
    pub(super) fn from_feature(f: Option<&str>) -> Direction {
        match f.map(str::trim) {
            Some("0" | "5" | "45") => Direction::Inbound,
            Some("7" | "40" | "41" | "43" | "44") => Direction::Outbound,
            Some("6" | "51" | "52" | "53") => Direction::Internal,
            _ => Direction::Unknown,
        }
    }
}

/// What kind of call this is, from its `feature` code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CallKind {
    /// A call with a customer (inbound, outbound, callback, campaign).
    Customer,
    /// Agent to agent (feature 6).
    Internal,
    /// A consult ("inner help") call, two-party (51).
    Consult,
    /// A three-party help call (52) or a conference (53, 99).
    Conference,
}

impl CallKind {
    pub(super) fn from_feature(f: Option<&str>) -> Option<CallKind> {
        Some(match f.map(str::trim)? {
            "6" => CallKind::Internal,
            "51" => CallKind::Consult,
            "52" | "53" | "99" => CallKind::Conference,
            "" => return None,
            _ => CallKind::Customer,
        })
    }

    /// The gateway refuses mute, hold, transfer, consult and keypad tones on
    /// internal, help and conference calls (protocol §13).
    pub fn allows_call_control(self) -> bool {
        self == CallKind::Customer
    }
}

/// Call media, from `mediaAbility` (1 voice, 2 video, 3 both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Media {
    Voice,
    Video,
    VoiceAndVideo,
    Unknown,
}

impl Media {
    pub(super) fn from_ability(a: Option<&str>) -> Media {
        match a.map(str::trim) {
            Some("1") => Media::Voice,
            Some("2") => Media::Video,
            Some("3") => Media::VoiceAndVideo,
            _ => Media::Unknown,
        }
    }
}

/// Where a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum CallPhase {
    /// Offered to the agent, not answered yet.
    Ringing,
    /// Placed by the agent; the other party's phone rings.
    Dialing,
    Talking,
    Held,
}

/// Call-associated data: shown to the agent, never logged (Debug prints the length).
#[derive(Clone, PartialEq, Eq)]
pub struct CallData(pub String);

impl fmt::Debug for CallData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CallData({} bytes)", self.0.len())
    }
}

impl Serialize for CallData {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// One call of the agent's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    pub callid: Option<String>,
    pub caller: Option<String>,
    pub called: Option<String>,
    /// The gateway's `feature` code as received.
    pub feature: Option<String>,
    pub kind: CallKind,
    pub direction: Direction,
    pub media: Media,
    pub phase: CallPhase,
    /// Muted by the agent (the gateway sends no event for it).
    pub muted: bool,
    /// The other parties of a three-party call or conference.
    pub parties: Vec<String>,
    /// Transferred to this agent, from whom.
    pub transferred_from: Option<String>,
    /// When the call reached the bar (epoch ms).
    pub since_ms: u64,
    /// When the phase last changed (epoch ms): talking or held since.
    pub phase_since_ms: u64,
    pub calldata: Option<CallData>,
}

impl Call {
    pub(super) fn from_offer(o: &CallOffer, now_ms: u64) -> Call {
        let feature = o.feature.as_deref();
        Call {
            callid: o.callid.clone(),
            caller: o.caller.clone(),
            called: o.called.clone(),
            feature: o.feature.clone(),
            kind: CallKind::from_feature(feature).unwrap_or(CallKind::Customer),
            direction: Direction::from_feature(feature),
            media: Media::from_ability(o.media_ability.as_deref()),
            phase: CallPhase::Ringing,
            muted: false,
            parties: Vec::new(),
            transferred_from: if o.transfer == Some(true) {
                o.transfrom.clone()
            } else {
                None
            },
            since_ms: now_ms,
            phase_since_ms: now_ms,
            calldata: None,
        }
    }

    /// A call known only by its ID (an event about a call the bar had not seen).
    pub fn bare(callid: Option<String>, phase: CallPhase, now_ms: u64) -> Call {
        Call {
            callid,
            caller: None,
            called: None,
            feature: None,
            kind: CallKind::Customer,
            direction: Direction::Unknown,
            media: Media::Unknown,
            phase,
            muted: false,
            parties: Vec::new(),
            transferred_from: None,
            since_ms: now_ms,
            phase_since_ms: now_ms,
            calldata: None,
        }
    }

    /// A call the agent placed, from `AgentEvent_Customer_Alerting`.
    pub(super) fn dialing(a: &CustomerAlerting, now_ms: u64) -> Call {
        let mut c = Call::bare(a.callid.clone(), CallPhase::Dialing, now_ms);
        match a.other_phone_workno.as_deref().filter(|w| !w.is_empty()) {
            Some(workno) => {
                c.kind = CallKind::Internal;
                c.direction = Direction::Internal;
                c.called = Some(workno.to_owned());
            }
            None => {
                c.direction = Direction::Outbound;
                c.called = a.other_phone.clone();
            }
        }
        c
    }

    pub(super) fn set_phase(&mut self, phase: CallPhase, now_ms: u64) {
        if self.phase != phase {
            self.phase = phase;
            self.phase_since_ms = now_ms;
        }
    }

    /// Takes what a newer event says about the call's `feature`.
    pub(super) fn set_feature(&mut self, feature: Option<&str>) {
        if let Some(kind) = CallKind::from_feature(feature) {
            self.feature = feature.map(str::to_owned);
            self.kind = kind;
            let dir = Direction::from_feature(feature);
            if dir != Direction::Unknown {
                self.direction = dir;
            }
        }
    }

    /// Mute, hold, transfer, consult and keypad tones: offered on a call with
    /// a customer only.
    pub fn allows_call_control(&self) -> bool {
        self.kind.allows_call_control()
    }

    pub fn is_held(&self) -> bool {
        self.phase == CallPhase::Held
    }

    pub fn is_ringing(&self) -> bool {
        self.phase == CallPhase::Ringing
    }
}
