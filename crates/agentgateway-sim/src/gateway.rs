//! The agent interface's operations on the simulated agents: GUID checks,
//! sign-out, long polls, the handshake, GUID updates, the status query, bar
//! operations, rest timers and inactivity sign-out. Sign-in is in [`signin`],
//! push delivery in [`push`], what operations set off between agents (and
//! the skill queues' offers) in [`calls`], the read-only queries in
//! [`queries`].
//!
//! Sign-in and sign-out of an agent are serialized by a per-agent async lock,
//! on top of the state lock, because a sign-in takes time
//! (`SimConfig::signin_delay`); a second sign-in while one is running is
//! answered `100-021`.
//!
//! The state itself is [`crate::state`]; the routes that lead here are in
//! [`crate::http`], the control side's changes to agents in [`crate::control`].

mod calls;
mod push;
pub(crate) mod queries;
mod signin;

use std::{collections::HashMap, sync::Arc, time::Duration};

use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::{
    state::{
        Gateway, Slot, end_session, guid,
        queue::EventQueue,
        session::{Session, Work},
    },
    sync::lock,
    wire::{self, NO_PERMISSION, NOT_SIGNED_IN, Refusal, retcode},
};

/// What a gateway call answers: the body and, when a GUID is handed out, the
/// value for `Set-GUID: JSESSIONID=<guid>`.
#[derive(Debug)]
pub struct Reply {
    pub body: String,
    pub set_guid: Option<String>,
}

impl From<Refusal> for Reply {
    fn from(r: Refusal) -> Self {
        Reply {
            body: r.body(),
            set_guid: None,
        }
    }
}

impl Reply {
    fn ok(result: &Value) -> Self {
        Reply {
            body: wire::ok_body(result),
            set_guid: None,
        }
    }
}

impl Gateway {
    /// The session of `agent` if `guid` is accepted for it.
    fn session_for<'a>(
        slots: &'a mut HashMap<String, Slot>,
        agent: &str,
        guid: Option<&str>,
    ) -> Result<&'a mut Session, Refusal> {
        let session = slots
            .get_mut(agent)
            .and_then(|slot| slot.session.as_mut())
            .ok_or(NOT_SIGNED_IN)?;
        match guid {
            Some(g) if session.guids.accepts(g, Instant::now()) => Ok(session),
            _ => Err(NO_PERMISSION),
        }
    }

    /// `DELETE .../logout` (refused during a call) and `.../forcelogout`
    /// (releases the call).
    pub async fn sign_out(self: &Arc<Self>, agent: &str, guid: Option<&str>, force: bool) -> Reply {
        let serial = {
            let mut slots = self.slots();
            if let Err(refusal) = Self::session_for(&mut slots, agent, guid) {
                return refusal.into();
            }
            match slots.get(agent) {
                Some(slot) => slot.serial.clone(),
                None => return NOT_SIGNED_IN.into(),
            }
        };
        let _serial = serial.lock().await;
        let mut slots = self.slots();
        let session = match Self::session_for(&mut slots, agent, guid) {
            Ok(session) => session,
            Err(refusal) => return refusal.into(),
        };
        if !force && !session.calls.is_empty() {
            return wire::STATE_FORBIDS.into();
        }
        if let Some(session) = slots.get_mut(agent).and_then(|s| s.session.take()) {
            let effects = end_session(session, force);
            self.run_effects(&mut slots, agent, effects);
        }
        tracing::info!(agent, force, "agent signed out");
        Reply::ok(&Value::Null)
    }

    /// `POST .../handshake`: the push-mode heartbeat; the new GUID goes out here
    /// in push mode.
    pub fn handshake(&self, agent: &str, guid: Option<&str>) -> Reply {
        let mut slots = self.slots();
        let session = match Self::session_for(&mut slots, agent, guid) {
            Ok(session) => session,
            Err(refusal) => return refusal.into(),
        };
        session.last_heard = Instant::now();
        let set_guid = if session.push.is_some() {
            self.guid_to_hand_out(session, guid)
        } else {
            None
        };
        Reply {
            body: wire::ok_body(&Value::Null),
            set_guid,
        }
    }

    /// Rotate when due; the current GUID when the caller is not using it yet.
    fn guid_to_hand_out(&self, session: &mut Session, presented: Option<&str>) -> Option<String> {
        session
            .guids
            .rotate_if_due(self.cfg.auth, Instant::now(), &self.node);
        let current = session.guids.current();
        (presented != Some(current)).then(|| current.to_owned())
    }

    /// `PUT .../updateGuid`: a new GUID now.
    pub fn update_guid(&self, agent: &str, guid: Option<&str>) -> Reply {
        let mut slots = self.slots();
        let session = match Self::session_for(&mut slots, agent, guid) {
            Ok(session) => session,
            Err(refusal) => return refusal.into(),
        };
        let new = guid::generate(&self.node);
        session
            .guids
            .replace(new.clone(), self.cfg.auth, Instant::now());
        Reply {
            body: wire::ok_body(&Value::Null),
            set_guid: Some(new),
        }
    }

    /// `GET .../agentstatus`: answered without a GUID check, so a signed-out
    /// agent reads 2 and an agent not on the roster 0.
    pub fn agent_status(&self, agent: &str) -> Reply {
        let slots = self.slots();
        let code = match slots.get(agent) {
            _ if !self.cfg.roster.contains(agent) => 0,
            Some(slot) if slot.signing_in => 1,
            Some(Slot {
                session: Some(s), ..
            }) => s.status_code(),
            _ => 2,
        };
        Reply::ok(&json!(code))
    }

    /// `GET /agentevent/{id}`: one event at once, or none after the hold.
    pub async fn poll(&self, agent: &str, guid: Option<&str>, calldata: Option<String>) -> Reply {
        let queue = {
            let mut slots = self.slots();
            let session = match Self::session_for(&mut slots, agent, guid) {
                Ok(session) => session,
                Err(refusal) => return refusal.into(),
            };
            if session.push.is_some() {
                return Refusal::new(
                    retcode::WRONG_EVENT_METHOD,
                    "agent signed in for push: events are not polled",
                )
                .into();
            }
            session.last_heard = Instant::now();
            session.polls_waiting += 1;
            if let Some(value) = calldata {
                session.restore_calldata(value);
            }
            session.queue.clone()
        };
        let waiting = PollWaiting {
            gw: self,
            agent,
            queue: queue.clone(),
        };
        let deadline = Instant::now() + self.cfg.poll_hold();
        let event = loop {
            let changed = queue.changed();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(event) = queue.pop() {
                break Some(event);
            }
            if queue.is_closed() {
                // Signed out (or replaced) while waiting: answer as for any call now.
                drop(waiting);
                let mut slots = self.slots();
                return match Self::session_for(&mut slots, agent, guid) {
                    Err(refusal) => refusal.into(),
                    Ok(_) => NOT_SIGNED_IN.into(),
                };
            }
            tokio::select! {
                _ = &mut changed => {}
                _ = tokio::time::sleep_until(deadline) => break None,
            }
        };
        drop(waiting);
        let mut slots = self.slots();
        let set_guid = match slots.get_mut(agent).and_then(|s| s.session.as_mut()) {
            Some(session) if Arc::ptr_eq(&session.queue, &queue) => {
                session.last_heard = Instant::now();
                self.guid_to_hand_out(session, guid)
            }
            _ => None,
        };
        if let Some(event) = &event {
            lock(&self.records_of(agent)).delivered.push(event.clone());
        }
        Reply {
            body: wire::poll_body(event.as_deref()),
            set_guid,
        }
    }

    pub(crate) fn spawn_rest_timer(
        self: &Arc<Self>,
        agent: &str,
        stop: CancellationToken,
        generation: u64,
        after: Duration,
    ) {
        let gw = Arc::downgrade(self);
        let agent = agent.to_owned();
        self.tasks.spawn(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = tokio::time::sleep(after) => {
                    if let Some(gw) = gw.upgrade() {
                        let slots = gw.slots();
                        if let Some(s) = slots.get(&agent).and_then(|s| s.session.as_ref())
                            && s.rest_generation == generation && s.work == Work::Rest {
                                s.emit("AgentState_Rest_Timeout", Value::Null);
                            }
                    }
                }
            }
        });
    }

    /// Sign out every agent not heard from within the inactivity timeout.
    pub async fn sign_out_inactive(self: Arc<Self>) {
        let timeout = self.cfg.inactivity_timeout;
        let tick = (timeout / 10).clamp(Duration::from_millis(10), Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = self.cancel.cancelled() => return,
                _ = tokio::time::sleep(tick) => {}
            }
            let now = Instant::now();
            let mut slots = self.slots();
            let mut effects = Vec::new();
            for (agent, slot) in slots.iter_mut() {
                let idle = slot.session.as_ref().is_some_and(|s| {
                    s.colleague.is_none()
                        && s.polls_waiting == 0
                        && now.duration_since(s.last_heard) >= timeout
                });
                if idle && let Some(session) = slot.session.take() {
                    tracing::info!(agent = %agent, "agent signed out for inactivity");
                    effects.push((agent.clone(), end_session(session, true)));
                }
            }
            for (agent, effects) in effects {
                self.run_effects(&mut slots, &agent, effects);
            }
        }
    }
}

/// Counts a held poll as hearing from the agent, until it answers.
struct PollWaiting<'a> {
    gw: &'a Gateway,
    agent: &'a str,
    queue: Arc<EventQueue>,
}

impl Drop for PollWaiting<'_> {
    fn drop(&mut self) {
        let mut slots = self.gw.slots();
        if let Some(session) = slots.get_mut(self.agent).and_then(|s| s.session.as_mut())
            && Arc::ptr_eq(&session.queue, &self.queue)
        {
            session.polls_waiting = session.polls_waiting.saturating_sub(1);
            session.last_heard = Instant::now();
        }
    }
}
