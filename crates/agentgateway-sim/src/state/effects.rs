//! What a change of one session asks of the rest of the gateway: another
//! agent's leg to change, a call to queue, a timer to start.
//!
//! A session knows no other session and no clock settings, so its changes
//! leave [`Effect`]s in `Session::effects`; the gateway carries them out
//! under the same state lock (see `gateway::calls`), which keeps both sides
//! of a call consistent within one critical section.

use super::{
    call::{Call, Peer},
    skills::QueuedCall,
};

/// Which configured delay a timer waits (`config::CallTimings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delay {
    Answer,
    Fail,
    NoAnswer,
    ColleagueAnswer,
    Ivr,
    Exactly(std::time::Duration),
}

/// A timer of one session; it does nothing if its call is gone or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Timer {
    /// The dialled outside number answers (callout, external transfer).
    FarEndAnswers { callid: String },
    /// The dialled outside number fails (busy, invalid, no answer).
    FarEndFails { callid: String },
    /// Nobody answered the leg this agent is waiting for.
    RingTimeout { callid: String },
    /// A virtual colleague answers its ringing call.
    ColleagueAnswers { callid: String },
    /// A virtual colleague ends its call.
    ColleagueHangsUp { callid: String },
    /// An IVR hang-up transfer brings the call back.
    IvrReturns { callid: String },
    /// The rest period of `generation` is over.
    RestOver { generation: u64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// `agent`'s offered leg `callid` was answered.
    LegAnswered { agent: String, callid: String },
    /// `agent`'s offered leg `callid` was refused or not answered.
    LegFailed { agent: String, callid: String },
    /// The caller gave up: `agent`'s ringing leg `callid` goes away.
    Withdraw { agent: String, callid: String },
    /// `who` left `agent`'s call `callid`.
    PeerLeft {
        agent: String,
        callid: String,
        who: Peer,
    },
    /// `agent`'s leg `callid` now talks to `peer`'s leg `to` (a conference
    /// carries on under the customer's call ID).
    Repoint {
        agent: String,
        callid: String,
        peer: String,
        to: String,
    },
    /// Offer `call` (and its calldata) to `agent`; an agent who cannot take
    /// it now fails the leg.
    Offer {
        agent: String,
        call: Box<Call>,
        calldata: Option<String>,
    },
    /// A customer call goes (back) to its skill queue.
    Queue(QueuedCall),
    /// Start a timer of the session that left this effect.
    Timer { delay: Delay, timer: Timer },
}
