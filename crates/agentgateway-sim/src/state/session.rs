//! One signed-in agent: its GUIDs, its event queue, its state outside of
//! calls and its call, and the record of every event emitted to it.
//!
//! A session only changes under the gateway's state lock; emitting an event
//! queues it for the agent's polls or push delivery and records it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::SystemTime,
};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{guid::GuidBook, queue::EventQueue};
use crate::{sync::lock, wire};

/// Events emitted to, and delivered to, one agent; kept across sessions and
/// gateway restarts for exactly-once checks.
#[derive(Debug, Default)]
pub struct Records {
    pub emitted: Vec<String>,
    /// When each emitted event was queued (benchmark-only: latency from
    /// emission; `eventGenTime` has only milliseconds).
    pub emitted_at: Vec<SystemTime>,
    pub delivered: Vec<String>,
    /// GUIDs handed out and service tokens received (test-only: for
    /// searching a client's files for leaked secrets).
    pub secrets: Vec<String>,
}

/// A push-mode session's receiver.
#[derive(Debug, Clone)]
pub struct PushTarget {
    pub uri: String,
    pub token: String,
}

/// One signed-in agent.
#[derive(Debug)]
pub struct Session {
    pub agent: String,
    pub login_time: u64,
    pub guids: GuidBook,
    pub last_heard: Instant,
    pub polls_waiting: u32,
    pub push: Option<PushTarget>,
    pub autoanswer: bool,
    pub autoenteridle: bool,
    pub work: Work,
    pub call: Option<Call>,
    /// Calldata per call ID, for every call of this session.
    pub calldata: HashMap<String, String>,
    pub queue: Arc<EventQueue>,
    pub rest_generation: u64,
    /// Cancelled when the session ends: stops its rest timers.
    pub tasks: CancellationToken,
    pub(crate) records: Arc<Mutex<Records>>,
}

impl Session {
    /// Queue an event of this agent and record it.
    pub fn emit(&self, event_type: &str, content: Value) {
        self.emit_raw(wire::event_json(
            event_type,
            &self.agent,
            &content,
            wire::now_ms(),
        ));
    }

    /// Queue an event given as JSON text, as is.
    pub fn emit_raw(&self, json: String) {
        let mut records = lock(&self.records);
        records.emitted.push(json.clone());
        records.emitted_at.push(SystemTime::now());
        drop(records);
        self.queue.push(json);
    }

    /// `agentstatus` code: 3 busy, 4 idle, 5 wrap-up, 7 talking, 8 rest.
    pub fn status_code(&self) -> u8 {
        if self.call.as_ref().is_some_and(Call::is_connected) {
            return 7;
        }
        match self.work {
            Work::Idle => 4,
            Work::NotReady => 3,
            Work::WrapUp => 5,
            Work::Rest => 8,
        }
    }
}

/// The agent's state outside of calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Work {
    Idle,
    NotReady,
    WrapUp,
    Rest,
}

impl Work {
    pub fn name(self) -> &'static str {
        match self {
            Work::Idle => "idle",
            Work::NotReady => "busy",
            Work::WrapUp => "wrap-up",
            Work::Rest => "rest",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Ringing,
    Talking,
    Held,
}

#[derive(Debug, Clone)]
pub struct Call {
    pub id: String,
    pub caller: String,
    pub called: String,
    pub phase: Phase,
    pub answered: bool,
    pub feature: &'static str,
    pub media_ability: String,
}

impl Call {
    /// Talking or held: the agent's status reads 7.
    pub fn is_connected(&self) -> bool {
        matches!(self.phase, Phase::Talking | Phase::Held)
    }

    pub fn snapshot(&self) -> CallSnapshot {
        CallSnapshot {
            callid: self.id.clone(),
            caller: self.caller.clone(),
            called: self.called.clone(),
            phase: match self.phase {
                Phase::Ringing => "ringing",
                Phase::Talking => "talking",
                Phase::Held => "held",
            }
            .to_owned(),
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
}

/// A call as the control side sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSnapshot {
    pub callid: String,
    pub caller: String,
    pub called: String,
    /// `ringing`, `talking` or `held`.
    pub phase: String,
}
