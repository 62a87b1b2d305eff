//! Making and combining calls (protocol.md §9.1): outbound calls, internal
//! calls, consults ("inner help"), three-party calls, dropping a call or a
//! party.
//!
//! A dialled call starts alerting; the far end answers later (a timer for
//! outside numbers, the other agent's answer for agents), or fails with the
//! event of its kind (`Call_Out_Fail`, `Inside_Call_Fail`, `Consult_Fail`).

use serde_json::{Value, json};

use super::{
    call::{Call, Dial, Peer, Phase, feature},
    calls::{CALLDATA_MAX, Env, Outcome},
    effects::{Delay, Effect, Timer},
    legs::End,
    session::{Session, Work},
};
use crate::{
    site::NumberFate,
    wire::{BAD_PARAMETER, Refusal, STATE_FORBIDS, retcode},
};

const BAD_NUMBER: Refusal = Refusal::new(retcode::CALLOUT_BAD_NUMBER, "bad called number");
const CONF_NO_CALL: Refusal = Refusal::new(retcode::CONF_NO_CALL, "no call to join");
const CONF_NO_HELD: Refusal = Refusal::new(retcode::CONF_NO_HELD, "no held call to join");
const HELP_NO_CALL: Refusal = Refusal::new(retcode::HELP_NO_CALL, "no call to consult about");
const RELEASE_NO_CALL: Refusal = Refusal::new(retcode::RELEASE_NO_CALL, "no call to release");

/// 1-24 characters of digits, `*` and `#`.
pub fn valid_number(number: &str) -> bool {
    (1..=24).contains(&number.len())
        && number
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#')
}

impl Session {
    /// A new call may be dialled: no call, or every call held.
    fn may_dial(&self) -> bool {
        self.work != Work::Rest && self.calls.iter().all(|c| c.phase == Phase::Held)
    }

    /// Occupy the agent for a dialled call: `AgentState_Busy` unless a held
    /// call already does.
    fn start_dial(&mut self, call: Call, calldata: Option<String>) {
        if self.calls.is_empty() {
            self.emit("AgentState_Busy", Value::Null);
        }
        if let Some(data) = calldata {
            self.calldata.insert(call.id.clone(), data);
        }
        self.calls.push(call);
    }

    /// `PUT …/callout`: `AgentState_Busy`, `AgentEvent_Customer_Alerting`,
    /// later `AgentEvent_Talking` (feature 7); a failing number gives
    /// `AgentEvent_Call_Out_Fail` and `AgentState_Ready`.
    pub(crate) fn call_out(
        &mut self,
        called: &str,
        caller: Option<String>,
        skill: Option<u32>,
        calldata: Option<String>,
        media: Option<String>,
        env: &Env<'_>,
    ) -> Result<Outcome, Refusal> {
        if !valid_number(called) {
            return Err(BAD_NUMBER);
        }
        let caller = caller.filter(|c| !c.is_empty());
        if caller
            .as_ref()
            .is_some_and(|c| c.len() > 24 || !c.bytes().all(|b| b.is_ascii_digit()))
            || calldata.as_ref().is_some_and(|d| d.len() > CALLDATA_MAX)
        {
            return Err(BAD_PARAMETER);
        }
        let media = match media.as_deref() {
            None | Some("0") => "1",
            Some("1") => "2",
            Some("2") => "3",
            Some(_) => return Err(BAD_PARAMETER),
        };
        if !self.may_dial() {
            return Err(STATE_FORBIDS);
        }
        let id = env.new_callid.clone();
        let caller = caller.unwrap_or_else(|| self.phone.clone());
        let mut call = Call::new(&id, &caller, called, Phase::Alerting, feature::OUTBOUND);
        call.media_ability = media.to_owned();
        call.skill = skill;
        call.dial = Some(Dial::Callout);
        call.peers.push(Peer::Customer {
            number: called.to_owned(),
        });
        self.start_dial(call, calldata);
        self.count(|s| s.calloutnums += 1);
        let fate = (env.fate)(called);
        if matches!(fate, NumberFate::Answer | NumberFate::NoAnswer) {
            self.emit(
                "AgentEvent_Customer_Alerting",
                json!({"callid": id, "otherPhoneWorkno": "", "otherPhone": called, "type": "main"}),
            );
        }
        let (delay, timer) = match fate {
            NumberFate::Answer => (Delay::Answer, Timer::FarEndAnswers { callid: id.clone() }),
            NumberFate::Invalid | NumberFate::Busy => {
                (Delay::Fail, Timer::FarEndFails { callid: id.clone() })
            }
            NumberFate::NoAnswer => (Delay::NoAnswer, Timer::FarEndFails { callid: id.clone() }),
        };
        self.effects.push(Effect::Timer { delay, timer });
        Outcome::answer(json!(id))
    }

    /// Dial another agent for `dial`; the other agent's leg is offered by the
    /// gateway. An unavailable agent fails the dial at once.
    fn dial_agent(
        &mut self,
        target: Option<String>,
        address: &str,
        feat: &'static str,
        dial: Dial,
        calldata: Option<String>,
        env: &Env<'_>,
    ) -> String {
        let id = env.new_callid.clone();
        let me = self.agent.clone();
        let mut call = Call::new(&id, &me, address, Phase::Alerting, feat);
        call.dial = Some(dial);
        if let Some(workno) = &target {
            call.peers.push(Peer::Agent {
                workno: workno.clone(),
                leg: id.clone(),
            });
        }
        let copied = calldata.clone();
        self.start_dial(call, calldata);
        let Some(workno) = target else {
            self.leg_failed(&id);
            return id;
        };
        if matches!(
            self.call(&id).and_then(|c| c.dial.as_ref()),
            Some(Dial::Inner)
        ) {
            self.emit(
                "AgentEvent_Customer_Alerting",
                json!({"callid": id, "otherPhoneWorkno": workno, "otherPhone": workno, "type": "main"}),
            );
        }
        let mut leg = Call::new(&id, &me, &workno, Phase::Ringing, feat);
        leg.origin = Some(me.clone());
        leg.peers.push(Peer::Agent {
            workno: me,
            leg: id.clone(),
        });
        self.effects.push(Effect::Offer {
            agent: workno,
            call: Box::new(leg),
            calldata: copied,
        });
        self.effects.push(Effect::Timer {
            delay: Delay::NoAnswer,
            timer: Timer::RingTimeout { callid: id.clone() },
        });
        id
    }

    /// `PUT …/callinner`: an internal call (feature 6) to another agent.
    pub(crate) fn call_inner(&mut self, called: &str, env: &Env<'_>) -> Result<Outcome, Refusal> {
        if called.is_empty() || !called.bytes().all(|b| b.is_ascii_digit()) || called == self.agent
        {
            return Err(BAD_PARAMETER);
        }
        if !self.may_dial() {
            return Err(STATE_FORBIDS);
        }
        let target = env.pick(&self.agent, Some(called), None);
        self.count(|s| s.intercallnums += 1);
        let id = self.dial_agent(target, called, feature::INTERNAL, Dial::Inner, None, env);
        Outcome::answer(json!(id))
    }

    /// `POST …/innerhelp`: consult an agent (device type 2) or a skill (1)
    /// about the talking customer call; two-party holds the customer,
    /// three-party joins the helper in.
    pub(crate) fn inner_help(
        &mut self,
        dst: &str,
        devicetype: u8,
        three_party: bool,
        calldata: Option<String>,
        env: &Env<'_>,
    ) -> Result<Outcome, Refusal> {
        if dst.is_empty() || !dst.bytes().all(|b| b.is_ascii_digit()) || dst == self.agent {
            return Err(BAD_PARAMETER);
        }
        let target = match devicetype {
            1 => {
                let skill: u32 = dst.parse().map_err(|_| BAD_PARAMETER)?;
                env.site.skill(skill).ok_or(BAD_PARAMETER)?;
                env.pick(&self.agent, None, Some(skill))
            }
            2 => env.pick(&self.agent, Some(dst), None),
            _ => return Err(BAD_PARAMETER),
        };
        let Some(customer) = self.in_phase(Phase::Talking).cloned() else {
            return Err(HELP_NO_CALL);
        };
        let dialling = self.calls.iter().any(|c| c.phase == Phase::Alerting);
        if feature::is_internal(customer.feature) || dialling || self.transfer.is_some() {
            return Err(STATE_FORBIDS);
        }
        if !three_party && let Some(call) = self.call_mut(&customer.id) {
            call.phase = Phase::Held;
            self.emit("AgentEvent_Hold", json!(customer.id));
        }
        self.count(|s| s.interhelpnums += 1);
        let (feat, dial) = (
            if three_party {
                feature::HELP_THREE_PARTY
            } else {
                feature::HELP_TWO_PARTY
            },
            Dial::Help {
                customer: customer.id.clone(),
                three_party,
            },
        );
        let data = calldata.or_else(|| self.calldata.get(&customer.id).cloned());
        let id = self.dial_agent(target, dst, feat, dial, data, env);
        Outcome::answer(json!(id))
    }

    /// `POST …/confjoin`: the talking call and the held call `callid` become
    /// one three-party call under the held call's ID.
    pub(crate) fn conf_join(&mut self, callid: &str) -> Result<Outcome, Refusal> {
        let Some(active) = self.in_phase(Phase::Talking).cloned() else {
            return Err(CONF_NO_CALL);
        };
        if !self
            .call(callid)
            .is_some_and(|c| c.phase == Phase::Held && c.id != active.id)
        {
            return Err(CONF_NO_HELD);
        }
        self.calls.retain(|c| c.id != active.id);
        let me = self.agent.clone();
        for peer in &active.peers {
            if let Peer::Agent { workno, leg } = peer {
                self.effects.push(Effect::Repoint {
                    agent: workno.clone(),
                    callid: leg.clone(),
                    peer: me.clone(),
                    to: callid.to_owned(),
                });
            }
        }
        let Some(held) = self.call_mut(callid) else {
            return Err(CONF_NO_HELD);
        };
        held.peers.extend(active.peers);
        held.phase = Phase::Talking;
        held.feature = feature::CONFERENCE;
        let content = json!({"callid": held.id, "partner": held.partners()});
        self.emit("AgentEvent_Conference", content);
        Outcome::done()
    }

    /// `POST …/dropcall/{callid}`: release one call; dropping a consult
    /// call takes the held customer back.
    pub(crate) fn drop_call(&mut self, callid: &str) -> Result<Outcome, Refusal> {
        if self.calls.is_empty() {
            return Err(RELEASE_NO_CALL);
        }
        let Some(call) = self.call(callid) else {
            return Err(BAD_PARAMETER);
        };
        let (answered, help) = (call.answered, call.feature == feature::HELP_TWO_PARTY);
        self.count(|s| s.agentrelease += 1);
        self.end_call(callid, End::Agent);
        if help
            && self.in_phase(Phase::Talking).is_none()
            && let Some(held) = self.calls.iter_mut().rev().find(|c| c.phase == Phase::Held)
        {
            held.phase = Phase::Talking;
            let content = held.talking_content();
            self.emit("AgentEvent_Talking", content);
        }
        self.settle(answered);
        Outcome::done()
    }

    /// `POST …/disconnect/{number}`: one party leaves the agent's
    /// three-party call.
    pub(crate) fn disconnect(&mut self, number: &str) -> Result<Outcome, Refusal> {
        let Some(call) = self
            .calls
            .iter()
            .find(|c| c.peers.len() > 1 && c.is_connected())
        else {
            return Err(STATE_FORBIDS);
        };
        let Some(who) = call.peers.iter().find(|p| p.number() == number).cloned() else {
            return Err(BAD_PARAMETER);
        };
        let id = call.id.clone();
        if let Peer::Agent { workno, leg } = &who {
            self.effects.push(Effect::PeerLeft {
                agent: workno.clone(),
                callid: leg.clone(),
                who: Peer::Agent {
                    workno: self.agent.clone(),
                    leg: id.clone(),
                },
            });
        }
        self.peer_left(&id, &who);
        Outcome::done()
    }
}
