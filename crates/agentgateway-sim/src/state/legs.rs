//! The life of a call in one session: offered, answered, ended, and what
//! the other side of a call between agents learns of it.
//!
//! Every path that ends a call goes through [`Session::end_call`] and then
//! [`Session::settle`], so the release events, the other parties' legs,
//! the statistics and the state after the last call are handled once.

use serde_json::{Value, json};

use super::{
    call::{Call, Dial, Peer, Phase, feature},
    effects::{Delay, Effect, Timer},
    session::{NextState, Session, TransferMode, Work},
};

/// How a call ends, for its release events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The agent hung up: `Call_Release`, `Customer_Release`.
    Agent,
    /// The other party left: `Customer_Release`, `Call_Release`.
    Remote { number: String },
    /// Handed on (transfer), or a ringing offer taken back: `Call_Release`.
    Handed,
    /// The session ends (sign-out): `Call_Release`; the other parties learn it.
    Gone,
    /// The caller gave up a ringing offer: `Call_Release`; its caller is not told.
    Withdrawn,
    /// The events were already sent (a failed dial, a reject).
    Silent,
}

impl Session {
    /// Offer a call in its ringing phase: `AgentEvent_Auto_Answer` and the
    /// answer at once when the agent auto-answers, else `AgentEvent_Ringing`
    /// (a virtual colleague answers after its delay).
    pub fn offer(&mut self, mut call: Call) {
        call.phase = Phase::Ringing;
        let content = call.ringing_content();
        let id = call.id.clone();
        if self.autoanswer && self.colleague.is_none() {
            self.emit("AgentEvent_Auto_Answer", content);
            self.calls.push(call);
            self.answer_call(&id);
            return;
        }
        self.emit("AgentEvent_Ringing", content);
        self.calls.push(call);
        if let Some(c) = &self.colleague
            && !c.never_answer
        {
            let delay = c.answer_after_ms.map_or(Delay::ColleagueAnswer, |ms| {
                Delay::Exactly(std::time::Duration::from_millis(ms))
            });
            let timer = Timer::ColleagueAnswers { callid: id };
            self.effects.push(Effect::Timer { delay, timer });
        }
    }

    /// Answer the ringing call `callid`: `AgentEvent_Talking`, and
    /// `AgentState_Busy` when it is the agent's first connected call.
    pub fn answer_call(&mut self, callid: &str) -> bool {
        let busy_before = self.calls.iter().any(Call::is_connected);
        let Some(call) = self.call_mut(callid).filter(|c| c.phase == Phase::Ringing) else {
            return false;
        };
        call.connect();
        let content = call.talking_content();
        let origin = call.origin.clone();
        let inbound = call.base_feature == feature::INBOUND;
        self.emit("AgentEvent_Talking", content);
        if !busy_before {
            self.emit("AgentState_Busy", Value::Null);
        }
        if inbound {
            self.count(|s| s.answernums += 1);
        }
        if let Some(agent) = origin {
            self.effects.push(Effect::LegAnswered {
                agent,
                callid: callid.to_owned(),
            });
        }
        if let Some(ms) = self.colleague.as_ref().and_then(|c| c.hang_up_after_ms) {
            let delay = Delay::Exactly(std::time::Duration::from_millis(ms));
            let timer = Timer::ColleagueHangsUp {
                callid: callid.to_owned(),
            };
            self.effects.push(Effect::Timer { delay, timer });
        }
        true
    }

    /// Remove a call with its release events and tell the other side. Call
    /// [`Session::settle`] afterwards.
    pub fn end_call(&mut self, callid: &str, end: End) -> Option<Call> {
        let pos = self.calls.iter().position(|c| c.id == callid)?;
        let call = self.calls.remove(pos);
        if self.transfer.as_ref().is_some_and(|t| t.callid == callid)
            && let Some(t) = self.transfer.take()
            && let Peer::Agent { workno, leg } = t.target
        {
            self.effects.push(Effect::Withdraw {
                agent: workno,
                callid: leg,
            });
        }
        let told = !matches!(end, End::Withdrawn | End::Handed);
        let unanswered_offer = call.origin.is_some() && !call.answered;
        for peer in &call.peers {
            if let Peer::Agent { workno, leg } = peer
                && told
                && !(unanswered_offer && call.origin.as_deref() == Some(workno))
            {
                self.effects.push(Effect::PeerLeft {
                    agent: workno.clone(),
                    callid: leg.clone(),
                    who: Peer::Agent {
                        workno: self.agent.clone(),
                        leg: call.id.clone(),
                    },
                });
            }
        }
        if unanswered_offer
            && end != End::Withdrawn
            && let Some(agent) = &call.origin
        {
            self.effects.push(Effect::LegFailed {
                agent: agent.clone(),
                callid: call.id.clone(),
            });
        }
        let number = call
            .peers
            .first()
            .map_or(call.caller.clone(), |p| p.number().to_owned());
        match &end {
            End::Agent => {
                self.emit("AgentEvent_Call_Release", json!(call.id));
                self.emit(
                    "AgentEvent_Customer_Release",
                    json!({"callid": call.id, "number": number}),
                );
            }
            End::Remote { number } => {
                self.emit(
                    "AgentEvent_Customer_Release",
                    json!({"callid": call.id, "number": number}),
                );
                self.emit("AgentEvent_Call_Release", json!(call.id));
            }
            End::Handed | End::Withdrawn | End::Gone => {
                self.emit("AgentEvent_Call_Release", json!(call.id))
            }
            End::Silent => {}
        }
        if let Some(since) = call.talk_since {
            let secs = since.elapsed().as_secs();
            self.count(|s| s.talktime += secs);
        }
        self.last_call = Some(call.clone());
        Some(call)
    }

    /// After a call ended: with no call left, `AgentOther_PhoneRelease` and
    /// the state after the call.
    pub fn settle(&mut self, answered: bool) {
        if self.calls.is_empty() {
            self.emit("AgentOther_PhoneRelease", json!({"phoneState": 3}));
            self.after_call(answered);
        }
    }

    /// After the last call: a deferred busy or rest first; then wrap-up
    /// when the agent answered and does not go idle by itself
    /// (`autoenteridle` false), idle otherwise.
    pub fn after_call(&mut self, answered: bool) {
        match self.next.take() {
            Some(NextState::Busy { reason }) => {
                self.work = Work::NotReady;
                self.emit(
                    "AgentState_SetNotReady_Success",
                    json!({ "reason": reason }),
                );
            }
            Some(NextState::Rest { seconds }) => {
                self.work = Work::Rest;
                self.rest_generation += 1;
                self.emit("AgentState_SetRest_Success", Value::Null);
                let delay = Delay::Exactly(std::time::Duration::from_secs(u64::from(seconds)));
                let timer = Timer::RestOver {
                    generation: self.rest_generation,
                };
                self.effects.push(Effect::Timer { delay, timer });
            }
            None if answered && !self.autoenteridle => {
                self.work = Work::WrapUp;
                self.emit("AgentState_Work", Value::Null);
            }
            None => {
                self.work = Work::Idle;
                self.emit("AgentState_Ready", Value::Null);
            }
        }
    }

    /// `who` left the call `callid`; the call ends when nobody is left.
    pub fn peer_left(&mut self, callid: &str, who: &Peer) {
        if self.call(callid).is_some_and(|c| c.phase == Phase::Ringing) {
            self.withdraw(callid);
            return;
        }
        let Some(call) = self.call_mut(callid) else {
            return;
        };
        if let Some(pos) = call.peers.iter().position(|p| p.number() == who.number()) {
            call.peers.remove(pos);
        }
        if call.peers.is_empty() {
            let answered = call.answered;
            let number = who.number().to_owned();
            self.end_call(callid, End::Remote { number });
            self.settle(answered);
            return;
        }
        if call.peers.len() == 1 {
            call.feature = call.base_feature;
        }
        self.emit(
            "AgentEvent_Customer_Release",
            json!({"callid": callid, "number": who.number()}),
        );
    }

    /// The caller gave up the ringing offer `callid`.
    pub fn withdraw(&mut self, callid: &str) {
        if self.call(callid).is_some_and(|c| c.phase == Phase::Ringing) {
            self.end_call(callid, End::Withdrawn);
            self.settle(false);
        }
    }

    /// A leg this agent waits for was answered by its target.
    pub fn leg_answered(&mut self, callid: &str) {
        if self.transfer.as_ref().is_some_and(|t| t.callid == callid) {
            self.complete_transfer();
            return;
        }
        let Some(call) = self.call_mut(callid).filter(|c| c.phase == Phase::Alerting) else {
            return;
        };
        let dial = call.dial.take();
        call.connect();
        match dial {
            Some(Dial::Help {
                customer,
                three_party: true,
            }) => self.join_help(callid, &customer),
            _ => {
                let content = self.call(callid).map(Call::talking_content);
                self.emit("AgentEvent_Talking", content.unwrap_or_default());
            }
        }
    }

    /// Three-party help answered: the helper joins the customer's call.
    fn join_help(&mut self, help: &str, customer: &str) {
        let Some(leg) = self.calls.iter().position(|c| c.id == help) else {
            return;
        };
        let helper = self.calls.remove(leg);
        let Some(call) = self.call_mut(customer) else {
            return;
        };
        call.peers.extend(helper.peers.iter().cloned());
        call.feature = feature::HELP_THREE_PARTY;
        call.phase = Phase::Talking;
        let content = json!({"callid": call.id, "partner": call.partners()});
        self.emit("AgentEvent_Conference", content);
        for peer in helper.peers {
            if let Peer::Agent { workno, leg } = peer {
                self.effects.push(Effect::Repoint {
                    agent: workno,
                    callid: leg,
                    peer: self.agent.clone(),
                    to: customer.to_owned(),
                });
            }
        }
    }

    /// A leg this agent waits for was refused or not answered.
    pub fn leg_failed(&mut self, callid: &str) {
        if self.transfer.as_ref().is_some_and(|t| t.callid == callid) {
            self.transfer = None;
            self.emit(
                "AgentEvent_SuccTransResult",
                json!({"result": 1, "callId": callid}),
            );
            return;
        }
        let Some(call) = self.call(callid).filter(|c| c.phase == Phase::Alerting) else {
            return;
        };
        let event = match call.dial {
            Some(Dial::Help { .. }) => "AgentEvent_Consult_Fail",
            Some(Dial::Inner) => "AgentEvent_Inside_Call_Fail",
            _ => "AgentEvent_Call_Out_Fail",
        };
        self.emit(event, json!(callid));
        self.end_call(callid, End::Silent);
        // A dial that never connected: no phone release, straight back.
        if self.calls.is_empty() {
            self.after_call(false);
        }
    }

    /// Nobody answered in time: the target's ringing leg goes away and the
    /// dial or transfer fails.
    pub fn give_up(&mut self, callid: &str) {
        let target = match &self.transfer {
            Some(t) if t.callid == callid => Some(t.target.clone()),
            _ => self
                .call(callid)
                .filter(|c| c.phase == Phase::Alerting)
                .and_then(|c| c.peers.first().cloned()),
        };
        if let Some(Peer::Agent { workno, leg }) = target {
            self.effects.push(Effect::Withdraw {
                agent: workno,
                callid: leg,
            });
        }
        self.leg_failed(callid);
    }

    /// The target of the pending transfer answered.
    fn complete_transfer(&mut self) {
        let Some(t) = self.transfer.take() else {
            return;
        };
        match t.mode {
            TransferMode::Success => {
                self.emit(
                    "AgentEvent_SuccTransResult",
                    json!({"result": 0, "callId": t.callid}),
                );
                self.count(|s| s.transfernums += 1);
                let answered = self.call(&t.callid).is_some_and(|c| c.answered);
                self.end_call(&t.callid, End::Handed);
                self.settle(answered);
            }
            TransferMode::Conference => {
                let Some(call) = self.call_mut(&t.callid) else {
                    return;
                };
                call.peers.push(t.target);
                call.feature = feature::CONFERENCE;
                call.phase = Phase::Talking;
                let content = json!({"callid": call.id, "partner": call.partners()});
                self.emit("AgentEvent_Conference", content);
                self.count(|s| s.transferoutnums += 1);
            }
        }
    }

    /// Run one of this session's timers.
    pub fn fire(&mut self, timer: Timer) {
        match timer {
            Timer::FarEndAnswers { callid } => self.leg_answered(&callid),
            Timer::FarEndFails { callid } | Timer::RingTimeout { callid } => self.give_up(&callid),
            Timer::ColleagueAnswers { callid } => {
                self.answer_call(&callid);
            }
            Timer::ColleagueHangsUp { callid } => {
                if let Some(answered) = self.call(&callid).map(|c| c.answered) {
                    self.end_call(&callid, End::Agent);
                    self.settle(answered);
                }
            }
            Timer::IvrReturns { callid } => {
                if let Some(call) = self.call_mut(&callid).filter(|c| c.phase == Phase::Held) {
                    call.phase = Phase::Talking;
                    let content = call.talking_content();
                    self.emit("AgentEvent_ReturnFromIvr", json!(callid));
                    self.emit("AgentEvent_Talking", content);
                }
            }
            Timer::RestOver { generation } => {
                if self.rest_generation == generation && self.work == Work::Rest {
                    self.emit("AgentState_Rest_Timeout", Value::Null);
                    self.count(|s| s.restoutnums += 1);
                }
            }
        }
    }
}
