//! The control side, in process: what a test, a benchmark or the demo does
//! to the gateway from behind (ring an agent, hang up as the customer, inject
//! any event, sign an agent out, rotate a GUID, break requests, restart the
//! gateway) and what it reads back (request log, emitted and delivered
//! events, push attempts, agent state, calldata).
//!
//! Calls beyond one agent (skill queues, virtual colleagues, number
//! behaviour, DTMF, per-call hang-ups) are in `calls`. The same operations
//! are served over HTTP by [`http`]; [`scenario`] runs the call-center day
//! through them.

mod calls;
pub mod http;
pub mod scenario;

use std::{
    sync::{Arc, atomic::Ordering},
    time::{Duration, SystemTime},
};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use tokio::time::Instant;

pub use crate::state::{
    call::CallSnapshot, calls::Ring, error::ControlError, session::Colleague, skills::QueueCall,
};
use crate::{
    http::{
        faults::Fault,
        reqlog::LoggedRequest,
        server::{App, GatewayListener},
    },
    state::{
        Gateway, PushAttempt,
        call::Call,
        calls::{Env, Op},
        end_session, guid,
        session::{NextState, Session},
    },
    sync::lock,
    wire,
};

/// An agent as the control side sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSnapshot {
    pub agent: String,
    /// The `agentstatus` code (1 signing in, 2 signed out, 3 busy, 4 idle,
    /// 5 wrap-up, 7 talking, 8 rest).
    pub status: u8,
    pub signed_in: bool,
    /// `polling` or `push`.
    pub mode: Option<String>,
    /// `idle`, `busy`, `wrap-up` or `rest` (outside of the call).
    pub state: Option<String>,
    /// The call the bar shows: the talking one, else the newest.
    pub call: Option<CallSnapshot>,
    /// Every call of the agent, oldest first (held customer, consult call…).
    #[serde(default)]
    pub calls: Vec<CallSnapshot>,
    /// Length of the current call's calldata (the value stays out of logs).
    pub calldata_len: Option<usize>,
    pub queued_events: usize,
    /// Skills the agent is signed in to.
    #[serde(default)]
    pub skills: Vec<u32>,
    /// `busy` or `rest` when asked for during a call (status 9).
    #[serde(default)]
    pub next_state: Option<String>,
    /// A virtual colleague signed in by the control side.
    #[serde(default)]
    pub colleague: bool,
}

impl AgentSnapshot {
    /// Signed in, idle, and without a call: ready for the next one.
    pub fn is_idle(&self) -> bool {
        self.signed_in && self.call.is_none() && self.state.as_deref() == Some("idle")
    }
}

/// In-process control of a running simulator; cheap to clone.
#[derive(Clone)]
pub struct Control {
    pub(crate) app: Arc<App>,
    pub(crate) listener: Arc<GatewayListener>,
}

fn parse_events(texts: Vec<String>) -> Vec<Value> {
    texts
        .iter()
        .filter_map(|t| serde_json::from_str(t).ok())
        .collect()
}

impl Control {
    /// A call arrives for an idle agent; returns its call ID.
    pub fn ring(&self, agent: &str, ring: Ring) -> Result<String, ControlError> {
        self.app.gw.ring(agent, &ring)
    }

    /// The customer hangs up the agent's call (ringing or connected).
    pub fn customer_hang_up(&self, agent: &str) -> Result<(), ControlError> {
        self.app.gw.act(agent, |s| s.customer_hang_up(None))
    }

    /// Queue any event object as is (unknown `eventType`s too).
    pub fn inject(&self, agent: &str, event: Value) -> Result<(), ControlError> {
        if !event.is_object() {
            return Err(ControlError::BadRequest(
                "an event is a JSON object".to_owned(),
            ));
        }
        let text = event.to_string();
        self.app.gw.with_session(agent, |s| {
            s.emit_raw(text);
            Ok(())
        })
    }

    /// Sign the agent out from the gateway side (call released,
    /// `AgentOther_ShutdownService` queued).
    pub fn force_sign_out(&self, agent: &str) -> Result<(), ControlError> {
        self.app.gw.force_sign_out(agent)
    }

    /// Issue a new GUID now; it goes out on the next poll or handshake answer.
    pub fn rotate_guid(&self, agent: &str) -> Result<(), ControlError> {
        self.app.gw.rotate_guid(agent)
    }

    /// Put the agent on rest for `length` as a supervisor would (used by the
    /// scenario): `AgentState_SetRest_Success`, then `AgentState_Rest_Timeout`
    /// after `length`.
    pub fn start_rest(&self, agent: &str, length: Duration) -> Result<(), ControlError> {
        let seconds = length.as_secs().clamp(1, 86_399) as u32;
        self.app
            .gw
            .apply_for_control(agent, Op::Rest { seconds, cause: 0 }, Some(length))
    }

    /// End the agent's rest (`AgentState_CancelRest_Success`, `AgentState_Ready`).
    pub fn end_rest(&self, agent: &str) -> Result<(), ControlError> {
        self.app.gw.apply_for_control(agent, Op::CancelRest, None)
    }

    /// Break the next requests of a kind.
    pub fn fault(&self, fault: Fault) {
        self.app.faults.add(fault);
    }

    pub fn clear_faults(&self) {
        self.app.faults.clear();
    }

    pub fn pending_faults(&self) -> Vec<Fault> {
        self.app.faults.pending()
    }

    /// Every gateway request so far, secrets masked.
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.app.log.entries()
    }

    pub fn clear_request_log(&self) {
        self.app.log.clear();
    }

    /// Every event emitted for the agent, in order, across sessions.
    pub fn emitted_events(&self, agent: &str) -> Vec<Value> {
        parse_events(self.app.gw.emitted(agent))
    }

    /// Benchmark-only: every event emitted for the agent with the wall-clock
    /// time it was queued (taken just before a held poll or the push client
    /// is woken), in order, across sessions. `eventGenTime` inside the event
    /// has only milliseconds; this has the system clock's resolution, for
    /// latency measured against timestamps taken in other processes.
    pub fn emitted_at(&self, agent: &str) -> Vec<(SystemTime, Value)> {
        self.app
            .gw
            .emitted_at(agent)
            .into_iter()
            .filter_map(|(at, text)| serde_json::from_str(&text).ok().map(|v| (at, v)))
            .collect()
    }

    /// Every event handed out to the agent (poll answers, acknowledged pushes).
    pub fn delivered_events(&self, agent: &str) -> Vec<Value> {
        parse_events(self.app.gw.delivered(agent))
    }

    /// Test-only: every GUID handed out to the agent (`Set-GUID`) and every
    /// service token it signed in with, across sessions, oldest first; for
    /// tests that search a client's files and logs for leaked secrets.
    pub fn issued_secrets(&self, agent: &str) -> Vec<String> {
        self.app.gw.secrets(agent)
    }

    /// Every push attempt so far.
    pub fn push_log(&self) -> Vec<PushAttempt> {
        lock(&self.app.gw.push_log).clone()
    }

    /// The current call's calldata.
    pub fn calldata(&self, agent: &str) -> Option<String> {
        self.app.gw.current_calldata(agent)
    }

    /// The agent's state; `None` for an agent not on the roster.
    pub fn agent_state(&self, agent: &str) -> Option<AgentSnapshot> {
        self.app.gw.snapshot(agent)
    }

    /// Every agent on the roster.
    pub fn agents(&self) -> Vec<AgentSnapshot> {
        let roster: Vec<String> = self.app.gw.cfg.roster.agents().map(str::to_owned).collect();
        roster.iter().filter_map(|a| self.agent_state(a)).collect()
    }

    /// Stop the gateway listener and cut its connections; every session is
    /// lost, as when the gateway process dies. The control API stays up.
    pub async fn stop_gateway(&self) {
        self.listener.stop().await;
        self.app.gw.forget_sessions();
    }

    /// Stop the gateway listener and cut its connections but keep every
    /// session, as a network outage between agents and gateway does (the
    /// inactivity sign-out keeps running). [`Control::start_gateway`] ends it.
    pub async fn cut_network(&self) {
        self.listener.stop().await;
    }

    /// Listen again on the same port (with no session after [`Control::stop_gateway`]).
    pub async fn start_gateway(&self) -> Result<(), ControlError> {
        self.listener
            .resume()
            .await
            .map_err(|e| ControlError::Listener(e.to_string()))
    }

    /// Stop, stay down for `down`, start again: a gateway restart.
    pub async fn restart_gateway(&self, down: Duration) -> Result<(), ControlError> {
        self.stop_gateway().await;
        tokio::time::sleep(down).await;
        self.start_gateway().await
    }

    pub fn gateway_running(&self) -> bool {
        self.listener.is_running()
    }
}

/// The gateway side of the control operations.
impl Gateway {
    /// Run `f` on a signed-in agent's session (control side).
    pub fn with_session<T>(
        &self,
        agent: &str,
        f: impl FnOnce(&mut Session) -> Result<T, ControlError>,
    ) -> Result<T, ControlError> {
        if !self.cfg.roster.contains(agent) {
            return Err(ControlError::UnknownAgent(agent.to_owned()));
        }
        let mut slots = self.slots();
        let session = slots
            .get_mut(agent)
            .and_then(|s| s.session.as_mut())
            .ok_or_else(|| ControlError::NotSignedIn(agent.to_owned()))?;
        f(session)
    }

    /// A new call ID, `<epoch seconds>-<sequence>` like the gateway's.
    pub fn next_call_id(&self) -> String {
        let seq = self.call_seq.fetch_add(1, Ordering::Relaxed);
        format!("{}-{seq}", wire::now_ms() / 1000)
    }

    pub fn ring(self: &Arc<Self>, agent: &str, ring: &Ring) -> Result<String, ControlError> {
        let callid = self.next_call_id();
        self.act(agent, |s| s.ring(&callid, ring))?;
        Ok(callid)
    }

    pub fn force_sign_out(self: &Arc<Self>, agent: &str) -> Result<(), ControlError> {
        self.with_session(agent, |_| Ok(()))?;
        let mut slots = self.slots();
        if let Some(session) = slots.get_mut(agent).and_then(|s| s.session.take()) {
            let effects = end_session(session, true);
            self.run_effects(&mut slots, agent, effects);
        }
        Ok(())
    }

    pub fn rotate_guid(&self, agent: &str) -> Result<(), ControlError> {
        let (auth, node) = (self.cfg.auth, self.node.clone());
        self.with_session(agent, |s| {
            s.guids.replace(guid::generate(&node), auth, Instant::now());
            Ok(())
        })
    }

    /// A bar operation from the control side (the scenario's rest breaks);
    /// `timer` replaces the rest length in whole seconds.
    pub fn apply_for_control(
        self: &Arc<Self>,
        agent: &str,
        op: Op,
        timer: Option<Duration>,
    ) -> Result<(), ControlError> {
        if !self.cfg.roster.contains(agent) {
            return Err(ControlError::UnknownAgent(agent.to_owned()));
        }
        let mut slots = self.slots();
        let session = slots
            .get_mut(agent)
            .and_then(|s| s.session.as_mut())
            .ok_or_else(|| ControlError::NotSignedIn(agent.to_owned()))?;
        let fate = |n: &str| self.fate(n);
        let env = Env {
            site: &self.cfg.site,
            new_callid: String::new(),
            available: Vec::new(),
            fate: &fate,
        };
        // Supervisor changes only apply outside of calls.
        if !session.calls.is_empty() {
            return Err(ControlError::NotIdle(agent.to_owned()));
        }
        let outcome = session
            .apply(op, &env)
            .map_err(|_| ControlError::NotIdle(agent.to_owned()))?;
        if let Some((generation, after)) = outcome.rest_timer {
            let after = timer.unwrap_or(after);
            self.spawn_rest_timer(agent, session.tasks.clone(), generation, after);
        }
        let effects = std::mem::take(&mut session.effects);
        self.run_effects(&mut slots, agent, effects);
        Ok(())
    }

    pub fn snapshot(&self, agent: &str) -> Option<AgentSnapshot> {
        if !self.cfg.roster.contains(agent) {
            return None;
        }
        let slots = self.slots();
        let slot = slots.get(agent);
        let signing_in = slot.is_some_and(|s| s.signing_in);
        let session = slot.and_then(|s| s.session.as_ref());
        let status = match session {
            Some(s) => s.status_code(),
            None if signing_in => 1,
            None => 2,
        };
        Some(AgentSnapshot {
            agent: agent.to_owned(),
            status,
            signed_in: session.is_some(),
            mode: session.map(|s| if s.push.is_some() { "push" } else { "polling" }.to_owned()),
            state: session.map(|s| s.work.name().to_owned()),
            call: session.and_then(|s| s.main_call().map(Call::snapshot)),
            calls: session.map_or_else(Vec::new, |s| s.calls.iter().map(Call::snapshot).collect()),
            calldata_len: session.and_then(|s| s.current_calldata().map(str::len)),
            queued_events: session.map_or(0, |s| s.queue.len()),
            skills: session.map_or_else(Vec::new, |s| s.skills.clone()),
            next_state: session.and_then(|s| {
                s.next.as_ref().map(|n| match n {
                    NextState::Busy { .. } => "busy".to_owned(),
                    NextState::Rest { .. } => "rest".to_owned(),
                })
            }),
            colleague: session.is_some_and(|s| s.colleague.is_some()),
        })
    }

    pub fn current_calldata(&self, agent: &str) -> Option<String> {
        let slots = self.slots();
        let s = slots.get(agent)?.session.as_ref()?;
        s.current_calldata().map(str::to_owned)
    }
}
