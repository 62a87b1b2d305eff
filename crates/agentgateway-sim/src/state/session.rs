//! One signed-in agent: its GUIDs, its event queue, its state outside of
//! calls, its calls and skills, and the records kept for it across sessions
//! (events, secrets, statistics, DTMF digits).
//!
//! A session only changes under the gateway's state lock; emitting an event
//! queues it for the agent's polls or push delivery and records it.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::SystemTime,
};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{
    call::{Call, Peer, Phase},
    effects::Effect,
    guid::GuidBook,
    queue::EventQueue,
    stats::Stats,
};
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
    /// Today's figures.
    pub stats: Stats,
    /// Digits sent with `seconddialex`, in order (test-only record).
    pub dtmf: Vec<String>,
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
    /// The softphone number given at sign-in.
    pub phone: String,
    /// Every call of the agent, oldest first.
    pub calls: Vec<Call>,
    /// Skills the agent is signed in to (`resetskill`); none after sign-in.
    pub skills: Vec<u32>,
    /// Busy or rest asked for during a call, applied when it ends.
    pub next: Option<NextState>,
    /// A success-mode (or talk, three-party) transfer waiting for its target.
    pub transfer: Option<PendingTransfer>,
    /// Set for a virtual colleague the control side signed in.
    pub colleague: Option<Colleague>,
    /// The last call that ended (`callinfo` without `isNoContainLastCall`).
    pub last_call: Option<Call>,
    /// Changes for the gateway to carry out (see [`Effect`]).
    pub effects: Vec<Effect>,
    /// Calldata per call ID, for every call of this session.
    pub calldata: HashMap<String, String>,
    pub queue: Arc<EventQueue>,
    pub rest_generation: u64,
    /// Cancelled when the session ends: stops its rest timers.
    pub tasks: CancellationToken,
    pub(crate) records: Arc<Mutex<Records>>,
}

impl Session {
    /// A new session with no call, idle, in no skill queue.
    pub fn new(
        agent: &str,
        guids: GuidBook,
        records: Arc<Mutex<Records>>,
        tasks: CancellationToken,
    ) -> Self {
        Self {
            agent: agent.to_owned(),
            login_time: wire::now_ms(),
            guids,
            last_heard: Instant::now(),
            polls_waiting: 0,
            push: None,
            autoanswer: true,
            autoenteridle: true,
            work: Work::Idle,
            phone: String::new(),
            calls: Vec::new(),
            skills: Vec::new(),
            next: None,
            transfer: None,
            colleague: None,
            last_call: None,
            effects: Vec::new(),
            calldata: HashMap::new(),
            queue: Arc::new(EventQueue::default()),
            rest_generation: 0,
            tasks,
            records,
        }
    }

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
        // Nobody polls a virtual colleague: its events are only recorded.
        if self.colleague.is_none() {
            self.queue.push(json);
        }
    }

    /// `agentstatus` code: 3 busy, 4 idle, 5 wrap-up, 7 in a call,
    /// 8 rest, 9 busy or rest waiting for the call to end.
    pub fn status_code(&self) -> u8 {
        let connected = self.calls.iter().any(Call::is_connected);
        if connected && self.next.is_some() {
            return 9;
        }
        if connected {
            return 7;
        }
        match self.work {
            Work::Idle => 4,
            Work::NotReady => 3,
            Work::WrapUp => 5,
            Work::Rest => 8,
        }
    }

    /// Change today's figures.
    pub fn count(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut lock(&self.records).stats);
    }

    pub fn call(&self, callid: &str) -> Option<&Call> {
        self.calls.iter().find(|c| c.id == callid)
    }

    pub fn call_mut(&mut self, callid: &str) -> Option<&mut Call> {
        self.calls.iter_mut().find(|c| c.id == callid)
    }

    /// The call in `phase`, newest first.
    pub fn in_phase(&self, phase: Phase) -> Option<&Call> {
        self.calls.iter().rev().find(|c| c.phase == phase)
    }

    /// The call the bar shows: the talking one, else the newest.
    pub fn main_call(&self) -> Option<&Call> {
        self.in_phase(Phase::Talking).or(self.calls.last())
    }

    /// Idle with no call: a queue call or a direct call may be offered.
    pub fn is_available(&self) -> bool {
        self.calls.is_empty() && self.work == Work::Idle
    }
}

/// What the agent goes to once its calls end (protocol.md §12).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextState {
    Busy { reason: String },
    Rest { seconds: u32 },
}

/// How a transfer that waits for its target ends when the target answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferMode {
    /// Success mode: the agent leaves.
    Success,
    /// Talk or three-party mode: a conference forms, the agent leaves later.
    Conference,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingTransfer {
    pub callid: String,
    pub target: Peer,
    pub mode: TransferMode,
}

/// How a virtual colleague behaves (control side).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Colleague {
    /// Busy (not ready) instead of idle.
    pub busy: bool,
    /// Let offered calls ring until the caller gives up.
    pub never_answer: bool,
    /// Answer after this many milliseconds (default: `CallTimings::colleague_answer_after`).
    pub answer_after_ms: Option<u64>,
    /// End a call this many milliseconds after answering; `None` keeps it
    /// until the other side ends it.
    pub hang_up_after_ms: Option<u64>,
    /// Skills to sign in to; `None`: every configured skill.
    pub skills: Option<Vec<u32>>,
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
