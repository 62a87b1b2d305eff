//! A call as the page shows it: which way, what kind, where it is, since
//! when (the answer time is remembered across views), and the transfer or
//! next state hanging on the calls.

use serde::Serialize;
use ts_rs::TS;

use super::ViewMemory;

/// Which way a call goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Inbound,
    Outbound,
    /// Agent to agent: an internal call, a consult, a conference.
    Internal,
}

/// Where a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum CallPhase {
    Ringing,
    /// Placed by the agent; the other side rings.
    Dialing,
    Talking,
    Held,
}

/// What kind of call (from the gateway's feature code).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum CallKind {
    Customer,
    Internal,
    Consult,
    Conference,
}

/// A state asked for during a call, taken when the call ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum NextStateView {
    Busy,
    Rest,
}

/// A transfer on the bar: waiting for its target, or failed (the customer
/// is still with the agent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TransferView {
    pub call_id: Option<String>,
    pub failed: bool,
    /// The gateway's result code when it failed.
    pub result: Option<i32>,
}

/// What a call carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
pub enum Media {
    #[serde(rename = "voice")]
    Voice,
    #[serde(rename = "video")]
    Video,
    #[serde(rename = "voice+video")]
    VoiceAndVideo,
    #[serde(rename = "unknown")]
    Unknown,
}

impl Media {
    /// The name on the wire to the page and in the keyring.
    pub fn as_str(self) -> &'static str {
        match self {
            Media::Voice => "voice",
            Media::Video => "video",
            Media::VoiceAndVideo => "voice+video",
            Media::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CallView {
    pub call_id: String,
    pub caller: String,
    pub called: String,
    pub direction: Direction,
    pub media: Media,
    pub phase: CallPhase,
    pub kind: CallKind,
    pub held: bool,
    pub muted: bool,
    /// The other parties of a three-party call.
    pub parties: Vec<String>,
    /// When the call began ringing or was answered (epoch ms).
    pub since: u64,
    /// When the call was answered (epoch ms), null while ringing.
    pub answered_at: Option<u64>,
    pub calldata: Option<String>,
}

impl ViewMemory {
    pub(super) fn saved_calldata_id(&self) -> Option<String> {
        self.saved_calldata.as_ref().and_then(|(id, _)| id.clone())
    }

    /// When `call` was answered: the first time the bar saw it talking.
    fn answered_at(&mut self, call: &agentgateway::bar::Call) -> Option<u64> {
        use agentgateway::bar::CallPhase as P;
        if let Some((_, at)) = self.answered.iter().find(|(id, _)| *id == call.callid) {
            return Some(*at);
        }
        match call.phase {
            P::Ringing | P::Dialing => None,
            P::Talking | P::Held => {
                let at = if call.phase == P::Talking {
                    call.phase_since_ms
                } else {
                    call.since_ms
                };
                self.answered.push((call.callid.clone(), at));
                Some(at)
            }
        }
    }
}

/// One call as the page shows it.
pub(super) fn call_view(call: &agentgateway::bar::Call, memory: &mut ViewMemory) -> CallView {
    use agentgateway::bar::{
        CallKind as K, CallPhase as P, Direction as CallDirection, Media as CallMedia,
    };
    let answered_at = memory.answered_at(call);
    let calldata = match &memory.saved_calldata {
        Some((id, saved)) if *id == call.callid => Some(saved.clone()),
        _ => call.calldata.as_ref().map(|c| c.0.clone()),
    };
    CallView {
        call_id: call.callid.clone().unwrap_or_default(),
        caller: call.caller.clone().unwrap_or_default(),
        called: call.called.clone().unwrap_or_default(),
        direction: match call.direction {
            CallDirection::Outbound => Direction::Outbound,
            CallDirection::Internal => Direction::Internal,
            CallDirection::Inbound | CallDirection::Unknown => Direction::Inbound,
        },
        media: match call.media {
            CallMedia::Voice => Media::Voice,
            CallMedia::Video => Media::Video,
            CallMedia::VoiceAndVideo => Media::VoiceAndVideo,
            CallMedia::Unknown => Media::Unknown,
        },
        phase: match call.phase {
            P::Ringing => CallPhase::Ringing,
            P::Dialing => CallPhase::Dialing,
            P::Talking => CallPhase::Talking,
            P::Held => CallPhase::Held,
        },
        kind: match call.kind {
            K::Customer => CallKind::Customer,
            K::Internal => CallKind::Internal,
            K::Consult => CallKind::Consult,
            K::Conference => CallKind::Conference,
        },
        held: call.is_held(),
        muted: call.muted,
        parties: call.parties.clone(),
        since: call.since_ms,
        answered_at,
        calldata,
    }
}

/// One finished call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RecentCall {
    /// The other party: the caller of an inbound call, the number dialled
    /// (or the colleague's work number) otherwise.
    pub number: String,
    pub direction: Direction,
    /// When the call began (epoch ms).
    pub at: u64,
    pub answered: bool,
}

impl RecentCall {
    /// A call that left the bar; `None` for legs that are not a call of the
    /// agent's own (consults, conferences) or that carry no number.
    pub fn of(call: &CallView) -> Option<RecentCall> {
        if !matches!(call.kind, CallKind::Customer | CallKind::Internal) {
            return None;
        }
        let number = match call.direction {
            Direction::Inbound => &call.caller,
            Direction::Outbound | Direction::Internal => &call.called,
        };
        if number.is_empty() {
            return None;
        }
        Some(RecentCall {
            number: number.clone(),
            direction: call.direction,
            at: call.since,
            answered: call.answered_at.is_some(),
        })
    }
}
