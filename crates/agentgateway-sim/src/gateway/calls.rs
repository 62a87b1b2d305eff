//! Carrying out what sessions ask of each other: the effects of an
//! operation (another agent's leg offered, answered, released), the skill
//! queues' offers to idle agents, and the call timers.
//!
//! Everything here runs under the state lock, in one go per operation, so
//! no one sees half of a call between two agents. Timers belong to the
//! session that started them and die with it.

use std::{
    collections::{HashMap, VecDeque},
    sync::Arc,
    time::Duration,
};

use serde_json::json;

use super::Reply;
use crate::{
    state::{
        Gateway, Slot,
        call::{Call, Peer, Phase, feature},
        calls::{Env, Op},
        effects::{Delay, Effect, Timer},
        error::ControlError,
        session::Session,
        skills::QueuedCall,
    },
    sync::lock,
};

type Work = VecDeque<(String, Effect)>;

fn session_mut<'a>(slots: &'a mut HashMap<String, Slot>, agent: &str) -> Option<&'a mut Session> {
    slots.get_mut(agent).and_then(|s| s.session.as_mut())
}

impl Gateway {
    /// Agents with no call and idle, in roster order, with their skills.
    pub(crate) fn available(&self, slots: &HashMap<String, Slot>) -> Vec<(String, Vec<u32>)> {
        self.cfg
            .roster
            .agents()
            .filter_map(|a| {
                let s = slots.get(a)?.session.as_ref()?;
                s.is_available().then(|| (a.to_owned(), s.skills.clone()))
            })
            .collect()
    }

    /// Connection-bar, call-control and calldata operations (protocol.md
    /// §5, §6, §8, §9, §12) with what they set off.
    pub fn operate(self: &Arc<Self>, agent: &str, guid: Option<&str>, op: Op) -> Reply {
        let mut slots = self.slots();
        let available = self.available(&slots);
        let makes_call = matches!(
            op,
            Op::CallOut { .. } | Op::CallInner { .. } | Op::InnerHelp { .. }
        );
        let new_callid = if makes_call {
            self.next_call_id()
        } else {
            String::new()
        };
        let session = match Self::session_for(&mut slots, agent, guid) {
            Ok(session) => session,
            Err(refusal) => return refusal.into(),
        };
        let fate = |n: &str| self.fate(n);
        let env = Env {
            site: &self.cfg.site,
            new_callid,
            available,
            fate: &fate,
        };
        match session.apply(op, &env) {
            Ok(outcome) => {
                if let Some((generation, after)) = outcome.rest_timer {
                    self.spawn_rest_timer(agent, session.tasks.clone(), generation, after);
                }
                let effects = std::mem::take(&mut session.effects);
                self.run_effects(&mut slots, agent, effects);
                Reply::ok(&outcome.result)
            }
            Err(refusal) => {
                session.effects.clear();
                refusal.into()
            }
        }
    }

    /// Run `f` on a signed-in agent's session (control side), then what it
    /// set off.
    pub fn act<T>(
        self: &Arc<Self>,
        agent: &str,
        f: impl FnOnce(&mut Session) -> Result<T, ControlError>,
    ) -> Result<T, ControlError> {
        if !self.cfg.roster.contains(agent) {
            return Err(ControlError::UnknownAgent(agent.to_owned()));
        }
        let mut slots = self.slots();
        let session = session_mut(&mut slots, agent)
            .ok_or_else(|| ControlError::NotSignedIn(agent.to_owned()))?;
        let result = f(session);
        let effects = std::mem::take(&mut session.effects);
        self.run_effects(&mut slots, agent, effects);
        result
    }

    /// Carry out `effects` (left by `from`'s session) and everything they
    /// set off, then offer queued calls to agents who became free.
    pub(crate) fn run_effects(
        self: &Arc<Self>,
        slots: &mut HashMap<String, Slot>,
        from: &str,
        effects: Vec<Effect>,
    ) {
        let mut work: Work = effects.into_iter().map(|e| (from.to_owned(), e)).collect();
        loop {
            while let Some((owner, effect)) = work.pop_front() {
                let touched = self.run_one(slots, &owner, effect, &mut work);
                if let Some(agent) = touched
                    && let Some(s) = session_mut(slots, &agent)
                {
                    work.extend(s.effects.drain(..).map(|e| (agent.clone(), e)));
                }
            }
            if !self.dispatch(slots, &mut work) {
                break;
            }
        }
    }

    /// One effect; returns the agent whose session it changed.
    fn run_one(
        self: &Arc<Self>,
        slots: &mut HashMap<String, Slot>,
        owner: &str,
        effect: Effect,
        work: &mut Work,
    ) -> Option<String> {
        match effect {
            Effect::Timer { delay, timer } => {
                self.start_timer(slots, owner, delay, timer);
                None
            }
            Effect::Queue(call) => {
                lock(&self.queues).push(call);
                None
            }
            Effect::Offer {
                agent,
                call,
                calldata,
            } => {
                match session_mut(slots, &agent).filter(|s| s.is_available()) {
                    Some(s) => {
                        if let Some(data) = calldata {
                            s.calldata.insert(call.id.clone(), data);
                        }
                        s.offer(*call);
                        return Some(agent);
                    }
                    None => {
                        if let Some(origin) = call.origin.clone() {
                            let callid = call.id.clone();
                            work.push_back((
                                origin.clone(),
                                Effect::LegFailed {
                                    agent: origin,
                                    callid,
                                },
                            ));
                        }
                    }
                }
                None
            }
            Effect::LegAnswered { agent, callid } => {
                session_mut(slots, &agent)?.leg_answered(&callid);
                Some(agent)
            }
            Effect::LegFailed { agent, callid } => {
                session_mut(slots, &agent)?.leg_failed(&callid);
                Some(agent)
            }
            Effect::Withdraw { agent, callid } => {
                session_mut(slots, &agent)?.withdraw(&callid);
                Some(agent)
            }
            Effect::PeerLeft { agent, callid, who } => {
                session_mut(slots, &agent)?.peer_left(&callid, &who);
                Some(agent)
            }
            Effect::Repoint {
                agent,
                callid,
                peer,
                to,
            } => {
                let call = session_mut(slots, &agent)?.call_mut(&callid)?;
                for p in &mut call.peers {
                    if let Peer::Agent { workno, leg } = p
                        && *workno == peer
                    {
                        *leg = to.clone();
                    }
                }
                None
            }
        }
    }

    /// Offer waiting calls to idle agents signed in to their skill (roster
    /// order); `true` when something was offered.
    fn dispatch(&self, slots: &mut HashMap<String, Slot>, work: &mut Work) -> bool {
        let waiting = lock(&self.queues).all();
        let mut offered = false;
        for queued in waiting {
            let agent = self.cfg.roster.agents().find(|a| {
                queued.exclude.as_deref() != Some(*a)
                    && slots
                        .get(*a)
                        .and_then(|s| s.session.as_ref())
                        .is_some_and(|s| s.is_available() && s.skills.contains(&queued.skill))
            });
            let Some(agent) = agent.map(str::to_owned) else {
                continue;
            };
            if lock(&self.queues).take(&queued.callid).is_none() {
                continue;
            }
            let skill_name = self
                .cfg
                .site
                .skill(queued.skill)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            if let Some(s) = session_mut(slots, &agent) {
                offer_queued(s, queued, &skill_name);
                work.extend(s.effects.drain(..).map(|e| (agent.clone(), e)));
                offered = true;
            }
        }
        offered
    }

    fn start_timer(
        self: &Arc<Self>,
        slots: &mut HashMap<String, Slot>,
        agent: &str,
        delay: Delay,
        timer: Timer,
    ) {
        let Some(stop) = session_mut(slots, agent).map(|s| s.tasks.clone()) else {
            return;
        };
        let t = &self.cfg.calls;
        let after: Duration = match delay {
            Delay::Answer => t.answer_after,
            Delay::Fail => t.fail_after,
            Delay::NoAnswer => t.no_answer_after,
            Delay::ColleagueAnswer => t.colleague_answer_after,
            Delay::Ivr => t.ivr_return_after,
            Delay::Exactly(d) => d,
        };
        let gw = Arc::downgrade(self);
        let agent = agent.to_owned();
        self.tasks.spawn(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = tokio::time::sleep(after) => {
                    let Some(gw) = gw.upgrade() else { return };
                    let mut slots = gw.slots();
                    // The session that started it, not a later one.
                    if stop.is_cancelled() {
                        return;
                    }
                    if let Some(s) = session_mut(&mut slots, &agent) {
                        s.fire(timer);
                        let effects = std::mem::take(&mut s.effects);
                        gw.run_effects(&mut slots, &agent, effects);
                    }
                }
            }
        });
    }
}

/// A queued call reaches an agent: `AgentEvent_Incoming_CallInfo`, then the
/// offer.
fn offer_queued(s: &mut Session, q: QueuedCall, skill_name: &str) {
    s.emit(
        "AgentEvent_Incoming_CallInfo",
        json!({
            "callId": q.callid,
            "skillName": skill_name,
            "skillId": q.skill.to_string(),
            "caller": q.caller,
            "called": q.called,
            "lastReleaseAgentId": q.exclude.clone().unwrap_or_default(),
            "mediaType": "5",
            "releaseAndReQueueCount": q.requeued.to_string(),
            "releaseAndReQueueCallFlag": if q.requeued > 0 { "1" } else { "0" },
        }),
    );
    let mut call = Call::new(
        &q.callid,
        &q.caller,
        &q.called,
        Phase::Ringing,
        feature::INBOUND,
    );
    call.media_ability = q.media_ability;
    call.skill = Some(q.skill);
    call.transfer_from = q.transfer_from;
    call.requeued = q.requeued;
    call.peers.push(Peer::Customer { number: q.caller });
    if let Some(data) = q.calldata {
        s.calldata.insert(q.callid, data);
    }
    s.offer(call);
}
