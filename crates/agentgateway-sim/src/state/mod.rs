//! The simulated gateway's state: a slot per agent with its session, the
//! skill queues, the numbers the control side marked, the record of every
//! event emitted and delivered per agent, and the push log.
//!
//! This is the bottom of the simulator. The agent interface
//! ([`crate::gateway`]), push delivery, the listener and the control side all
//! change agents through it; it knows none of them.
//!
//! All state sits behind one `std::sync::Mutex`, never held across an
//! `.await`: each gateway call is one short critical section, so operations
//! of one agent apply in the order they arrive. The skill queues and marked
//! numbers have their own locks, always taken after the state lock.

pub mod call;
pub mod calls;
pub mod dial;
pub mod effects;
pub mod error;
pub mod guid;
pub mod incall;
pub mod legs;
pub mod queue;
pub mod session;
pub mod skills;
pub mod stats;
pub mod transfer;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, atomic::AtomicU64},
    time::SystemTime,
};

use serde_json::json;
use tokio::time::Instant;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use self::{
    effects::Effect,
    legs::End,
    queue::EventQueue,
    session::{Records, Session},
    skills::SkillQueues,
};
use crate::{config::SimConfig, site::NumberFate, sync::lock};

#[derive(Debug, Default)]
pub(crate) struct Slot {
    pub(crate) session: Option<Session>,
    pub(crate) signing_in: bool,
    /// Serializes sign-in and sign-out of this agent.
    pub(crate) serial: Arc<tokio::sync::Mutex<()>>,
}

/// One log line per push attempt.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct PushAttempt {
    pub agent: String,
    pub at_ms: u64,
    pub offset_ms: u64,
    pub events: usize,
    /// `ok`, `http <status>`, `retcode <code>`, `bad answer` or `transport error`.
    pub outcome: String,
    /// The back-off before the next try, after a failure.
    pub retry_in_ms: Option<u64>,
}

/// The simulated gateway's state, shared by the listener, the control API,
/// push delivery and the scenario runner.
pub struct Gateway {
    pub cfg: SimConfig,
    pub node: String,
    pub started: Instant,
    slots: Mutex<HashMap<String, Slot>>,
    records: Mutex<HashMap<String, Arc<Mutex<Records>>>>,
    pub push_log: Mutex<Vec<PushAttempt>>,
    pub push_client: reqwest::Client,
    pub cancel: CancellationToken,
    pub tasks: TaskTracker,
    pub(crate) call_seq: AtomicU64,
    pub(crate) queues: Mutex<SkillQueues>,
    /// Numbers the control side marked, over the site's prefixes.
    pub(crate) numbers: Mutex<HashMap<String, NumberFate>>,
}

impl Gateway {
    pub fn new(cfg: SimConfig, push_client: reqwest::Client, cancel: CancellationToken) -> Self {
        let node = format!("{}0", cfg.server_name);
        Self {
            cfg,
            node,
            started: Instant::now(),
            slots: Mutex::new(HashMap::new()),
            records: Mutex::new(HashMap::new()),
            push_log: Mutex::new(Vec::new()),
            push_client,
            cancel,
            tasks: TaskTracker::new(),
            call_seq: AtomicU64::new(1),
            queues: Mutex::new(SkillQueues::default()),
            numbers: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        lock(&self.slots)
    }

    pub(crate) fn records_of(&self, agent: &str) -> Arc<Mutex<Records>> {
        lock(&self.records)
            .entry(agent.to_owned())
            .or_default()
            .clone()
    }

    /// How a dialled number behaves: marked by the control side, else by
    /// the site's prefixes.
    pub fn fate(&self, number: &str) -> NumberFate {
        lock(&self.numbers)
            .get(number)
            .copied()
            .unwrap_or_else(|| self.cfg.site.fate_by_prefix(number))
    }

    /// Milliseconds since the simulator started (monotonic).
    pub fn offset_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The GUID a push to this session carries.
    pub fn push_guid(&self, agent: &str, queue: &Arc<EventQueue>) -> Option<String> {
        let slots = self.slots();
        let session = slots.get(agent)?.session.as_ref()?;
        Arc::ptr_eq(&session.queue, queue).then(|| session.guids.current().to_owned())
    }

    pub fn record_delivered(&self, agent: &str, events: &[String]) {
        lock(&self.records_of(agent))
            .delivered
            .extend_from_slice(events);
    }

    /// Remember a secret of the agent's: a GUID handed out in `Set-GUID` or a
    /// service token received at sign-in (test-only record).
    pub fn record_secret(&self, agent: &str, secret: &str) {
        let records = self.records_of(agent);
        let mut records = lock(&records);
        if !records.secrets.iter().any(|s| s == secret) {
            records.secrets.push(secret.to_owned());
        }
    }

    pub fn secrets(&self, agent: &str) -> Vec<String> {
        lock(&self.records_of(agent)).secrets.clone()
    }

    pub fn emitted(&self, agent: &str) -> Vec<String> {
        lock(&self.records_of(agent)).emitted.clone()
    }

    /// Every emitted event with the time it was queued.
    pub fn emitted_at(&self, agent: &str) -> Vec<(SystemTime, String)> {
        let records = self.records_of(agent);
        let records = lock(&records);
        records
            .emitted_at
            .iter()
            .copied()
            .zip(records.emitted.iter().cloned())
            .collect()
    }

    pub fn delivered(&self, agent: &str) -> Vec<String> {
        lock(&self.records_of(agent)).delivered.clone()
    }

    /// A restart: every session is lost without a word to anyone, as when a
    /// real gateway process dies. Records and logs survive.
    pub fn forget_sessions(&self) {
        let mut slots = self.slots();
        for (_, slot) in slots.drain() {
            if let Some(session) = slot.session {
                session.queue.discard_and_close();
                session.tasks.cancel();
            }
        }
    }
}

/// End a session: release its calls when asked, queue
/// `AgentOther_ShutdownService`, wake pollers and stop its timers. A push
/// client makes one last attempt at what is left. Returns what the other
/// parties of its calls must learn (see `Gateway::run_effects`).
#[must_use]
pub fn end_session(mut session: Session, release_call: bool) -> Vec<Effect> {
    if release_call && !session.calls.is_empty() {
        let ids: Vec<String> = session.calls.iter().map(|c| c.id.clone()).collect();
        for id in ids {
            session.end_call(&id, End::Gone);
        }
        session.emit("AgentOther_PhoneRelease", json!({"phoneState": 3}));
    }
    session.emit(
        "AgentOther_ShutdownService",
        json!({"loginTime": session.login_time.to_string()}),
    );
    session.queue.close();
    session.tasks.cancel();
    let mut effects = std::mem::take(&mut session.effects);
    effects.retain(|e| !matches!(e, Effect::Timer { .. }));
    effects
}

#[cfg(test)]
mod tests;
