//! One call of an agent: who is on the other end, its phase, its feature
//! code (protocol.md §13) and what it is waiting for.
//!
//! An agent can hold several calls at once (a held customer and a consult
//! call), each keyed by its call ID. A call between two simulated agents has
//! a leg in each agent's session under the same call ID; each leg names the
//! other as a [`Peer::Agent`], so a release on one side reaches the other.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;

/// `feature` codes (protocol.md §13).
pub mod feature {
    pub const INBOUND: &str = "0";
    pub const INTERNAL: &str = "6";
    pub const OUTBOUND: &str = "7";
    pub const HELP_TWO_PARTY: &str = "51";
    pub const HELP_THREE_PARTY: &str = "52";
    pub const CONFERENCE: &str = "53";

    /// Calls the vendor's bar offers no hold, mute, transfer or help on.
    pub fn is_internal(f: &str) -> bool {
        matches!(f, INTERNAL | HELP_TWO_PARTY | HELP_THREE_PARTY | CONFERENCE)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Offered to the agent, not answered yet.
    Ringing,
    /// Dialled by the agent, the far end not answered yet.
    Alerting,
    Talking,
    Held,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Ringing => "ringing",
            Phase::Alerting => "alerting",
            Phase::Talking => "talking",
            Phase::Held => "held",
        }
    }
}

/// A party on the other end of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// Outside the center (customer, external number); the control side
    /// hangs it up.
    Customer { number: String },
    /// Another simulated agent, and the ID of its leg.
    Agent { workno: String, leg: String },
}

impl Peer {
    pub fn number(&self) -> &str {
        match self {
            Peer::Customer { number } => number,
            Peer::Agent { workno, .. } => workno,
        }
    }
}

/// What a call the agent dialled is for, until it is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dial {
    Callout,
    Inner,
    /// Inner help for the customer call `customer`; `three_party` joins
    /// the helper into that call when answered.
    Help {
        customer: String,
        three_party: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub id: String,
    pub caller: String,
    pub called: String,
    pub phase: Phase,
    pub answered: bool,
    pub feature: &'static str,
    /// The feature before a conference changed it.
    pub base_feature: &'static str,
    pub media_ability: String,
    pub muted: bool,
    /// The skill the call came through.
    pub skill: Option<u32>,
    pub peers: Vec<Peer>,
    /// The agent waiting for this offered leg to be answered (internal
    /// call, consult, transfer).
    pub origin: Option<String>,
    pub dial: Option<Dial>,
    pub transfer_from: Option<String>,
    pub begin_ms: u64,
    pub talk_since: Option<Instant>,
    /// How often the call went back to its queue.
    pub requeued: u32,
}

impl Call {
    /// A call in its first phase; the rest default.
    pub fn new(id: &str, caller: &str, called: &str, phase: Phase, feature: &'static str) -> Self {
        Self {
            id: id.to_owned(),
            caller: caller.to_owned(),
            called: called.to_owned(),
            phase,
            answered: false,
            feature,
            base_feature: feature,
            media_ability: "1".to_owned(),
            muted: false,
            skill: None,
            peers: Vec::new(),
            origin: None,
            dial: None,
            transfer_from: None,
            begin_ms: crate::wire::now_ms(),
            talk_since: None,
            requeued: 0,
        }
    }

    /// Occupies the agent: dialling, talking or held (status 7).
    pub fn is_connected(&self) -> bool {
        matches!(self.phase, Phase::Alerting | Phase::Talking | Phase::Held)
    }

    pub fn connect(&mut self) {
        self.phase = Phase::Talking;
        self.answered = true;
        self.talk_since.get_or_insert_with(Instant::now);
    }

    pub fn snapshot(&self) -> CallSnapshot {
        CallSnapshot {
            callid: self.id.clone(),
            caller: self.caller.clone(),
            called: self.called.clone(),
            phase: self.phase.name().to_owned(),
            feature: self.feature.to_owned(),
            media_ability: self.media_ability.clone(),
            answered: self.answered,
            muted: self.muted,
            skill: self.skill,
            parties: self.peers.iter().map(|p| p.number().to_owned()).collect(),
        }
    }

    /// The content of `AgentEvent_Talking` for this call.
    pub fn talking_content(&self) -> Value {
        json!({
            "caller": self.caller,
            "called": self.called,
            "callid": self.id,
            "feature": self.feature,
            "type": "main",
            "mediaAbility": self.media_ability,
        })
    }

    /// The content of `AgentEvent_Ringing` / `AgentEvent_Auto_Answer`.
    pub fn ringing_content(&self) -> Value {
        let from = self.transfer_from.clone().unwrap_or_default();
        json!({
            "caller": self.caller,
            "called": self.called,
            "callid": self.id,
            "transfer": if from.is_empty() { "no" } else { "yes" },
            "transfrom": from,
            "type": "main",
            "mediaType": "5",
            "mediaAbility": self.media_ability,
            "feature": self.feature,
        })
    }

    /// `partner` of `AgentEvent_Conference`: the other parties, comma-separated.
    pub fn partners(&self) -> String {
        let numbers: Vec<&str> = self.peers.iter().map(Peer::number).collect();
        numbers.join(",")
    }
}

/// A call as the control side sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSnapshot {
    pub callid: String,
    pub caller: String,
    pub called: String,
    /// `ringing`, `alerting` (dialled, not answered yet), `talking` or `held`.
    pub phase: String,
    /// protocol.md §13: 0 inbound, 6 internal, 7 outbound, 51/52 help, 53 conference.
    #[serde(default)]
    pub feature: String,
    #[serde(default)]
    pub media_ability: String,
    #[serde(default)]
    pub answered: bool,
    #[serde(default)]
    pub muted: bool,
    #[serde(default)]
    pub skill: Option<u32>,
    /// The other parties' numbers (customer number or agent ID).
    #[serde(default)]
    pub parties: Vec<String>,
}
