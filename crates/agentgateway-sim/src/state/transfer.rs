//! Transfer (protocol.md §9.3): to a skill, an agent, an IVR, an access
//! code or an outside number, in the modes each allows.
//!
//! Release (blind) modes hand the call on and release the agent at once.
//! Success mode waits for the target: when it answers,
//! `AgentEvent_SuccTransResult {"result":0}` and the release events; when it
//! does not, `result` 1 and the customer stays with the agent. Talk and
//! three-party modes (outside numbers) form a conference when the number
//! answers. IVR hang-up mode holds the call and brings it back later.

use serde_json::json;

use super::{
    call::{Call, Peer, Phase, feature},
    calls::{Env, Outcome},
    effects::{Delay, Effect, Timer},
    legs::End,
    session::{PendingTransfer, Session, TransferMode},
    skills::QueuedCall,
};
use crate::{
    site::NumberFate,
    wire::{BAD_PARAMETER, Refusal, STATE_FORBIDS, retcode},
};

const TRANSFER_NO_CALL: Refusal = Refusal::new(retcode::TRANSFER_NO_CALL, "no call to transfer");

/// Where a transfer goes, resolved from device type and address.
enum Target {
    Skill(u32),
    Agent(String),
    Ivr,
    External(String),
}

/// Whether `mode` is allowed for `devicetype` (`outbound`: the call was
/// dialled by the agent, which outside release mode does not allow).
fn mode_allowed(devicetype: u8, mode: u8, outbound: bool) -> bool {
    match devicetype {
        1 | 2 | 4 => matches!(mode, 0 | 2),
        3 => matches!(mode, 0 | 1),
        5 => matches!(mode, 2..=4) || (mode == 1 && !outbound),
        _ => false,
    }
}

fn resolve(devicetype: u8, address: &str, env: &Env<'_>) -> Result<Target, Refusal> {
    let digits = !address.is_empty() && address.bytes().all(|b| b.is_ascii_digit());
    if address.len() > 24 || (devicetype != 5 && !digits) {
        return Err(BAD_PARAMETER);
    }
    Ok(match devicetype {
        1 => {
            let id: u32 = address.parse().map_err(|_| BAD_PARAMETER)?;
            Target::Skill(env.site.skill(id).ok_or(BAD_PARAMETER)?.id)
        }
        2 => Target::Agent(address.to_owned()),
        3 => {
            env.site.ivr(address).ok_or(BAD_PARAMETER)?;
            Target::Ivr
        }
        4 => Target::Skill(env.site.access_code(address).ok_or(BAD_PARAMETER)?.skill),
        _ => {
            let ok = !address.is_empty()
                && address
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"ABCDEabcde*#".contains(&b));
            if !ok {
                return Err(BAD_PARAMETER);
            }
            Target::External(address.to_owned())
        }
    })
}

impl Session {
    /// `POST …/transfer` on the talking (or held) call.
    pub(crate) fn transfer(
        &mut self,
        devicetype: &str,
        address: &str,
        mode: &str,
        env: &Env<'_>,
    ) -> Result<Outcome, Refusal> {
        if self.calls.is_empty() {
            return Err(TRANSFER_NO_CALL);
        }
        let Some(call) = self
            .in_phase(Phase::Talking)
            .or(self.in_phase(Phase::Held))
            .cloned()
        else {
            return Err(STATE_FORBIDS);
        };
        let devicetype: u8 = devicetype.parse().map_err(|_| BAD_PARAMETER)?;
        let mode: u8 = mode.parse().map_err(|_| BAD_PARAMETER)?;
        if !mode_allowed(devicetype, mode, call.feature == feature::OUTBOUND) {
            return Err(BAD_PARAMETER);
        }
        let target = resolve(devicetype, address, env)?;
        if feature::is_internal(call.feature) || self.transfer.is_some() {
            return Err(STATE_FORBIDS);
        }
        let customer = call
            .peers
            .first()
            .map_or(call.caller.clone(), |p| p.number().to_owned());
        let blind = mode == 0 || (devicetype == 5 && mode == 1);
        match target {
            Target::Ivr if mode == 1 => {
                if let Some(c) = self.call_mut(&call.id) {
                    c.phase = Phase::Held;
                }
                self.count(|s| s.transferivrnums += 1);
                let timer = Timer::IvrReturns {
                    callid: call.id.clone(),
                };
                self.effects.push(Effect::Timer {
                    delay: Delay::Ivr,
                    timer,
                });
            }
            target if blind => {
                match target {
                    Target::Skill(skill) => self.effects.push(Effect::Queue(QueuedCall {
                        callid: call.id.clone(),
                        skill,
                        caller: customer.clone(),
                        called: call.called.clone(),
                        calldata: self.calldata.get(&call.id).cloned(),
                        media_ability: call.media_ability.clone(),
                        transfer_from: Some(self.agent.clone()),
                        exclude: Some(self.agent.clone()),
                        requeued: 0,
                        since: tokio::time::Instant::now(),
                    })),
                    Target::Agent(workno) => {
                        if let Some(b) = env.pick(&self.agent, Some(&workno), None) {
                            let leg = self.handed_leg(&call, &customer, None);
                            self.offer_to(b, leg);
                        }
                    }
                    Target::Ivr => self.count(|s| s.transferivrnums += 1),
                    Target::External(_) => self.count(|s| s.transferoutnums += 1),
                }
                self.count(|s| s.transfernums += 1);
                self.end_call(&call.id, End::Handed);
                self.settle(true);
            }
            Target::External(number) => {
                let transfer_mode = if mode == 2 {
                    TransferMode::Success
                } else {
                    TransferMode::Conference
                };
                self.wait_for_target(&call.id, Peer::Customer { number }, transfer_mode);
                let number = address.to_owned();
                let fate = (env.fate)(&number);
                let (delay, timer) = match fate {
                    NumberFate::Answer => (Delay::Answer, Timer::FarEndAnswers { callid: call.id }),
                    NumberFate::NoAnswer => {
                        (Delay::NoAnswer, Timer::FarEndFails { callid: call.id })
                    }
                    NumberFate::Busy | NumberFate::Invalid => {
                        (Delay::Fail, Timer::FarEndFails { callid: call.id })
                    }
                };
                self.effects.push(Effect::Timer { delay, timer });
            }
            Target::Skill(_) | Target::Agent(_) | Target::Ivr => {
                let picked = match &target {
                    Target::Skill(skill) => env.pick(&self.agent, None, Some(*skill)),
                    Target::Agent(workno) => env.pick(&self.agent, Some(workno), None),
                    _ => None,
                };
                let Some(b) = picked else {
                    self.emit(
                        "AgentEvent_SuccTransResult",
                        json!({"result": 1, "callId": call.id}),
                    );
                    return Outcome::done();
                };
                let target = Peer::Agent {
                    workno: b.clone(),
                    leg: call.id.clone(),
                };
                self.wait_for_target(&call.id, target, TransferMode::Success);
                let leg = self.handed_leg(&call, &customer, Some(self.agent.clone()));
                self.offer_to(b, leg);
                let timer = Timer::RingTimeout { callid: call.id };
                self.effects.push(Effect::Timer {
                    delay: Delay::NoAnswer,
                    timer,
                });
            }
        }
        Outcome::done()
    }

    /// The transfer waits for `target`: `AgentEvent_Customer_Alerting`.
    fn wait_for_target(&mut self, callid: &str, target: Peer, mode: TransferMode) {
        let workno = match &target {
            Peer::Agent { workno, .. } => workno.clone(),
            Peer::Customer { .. } => String::new(),
        };
        self.emit(
            "AgentEvent_Customer_Alerting",
            json!({"callid": callid, "otherPhoneWorkno": workno, "otherPhone": target.number(), "type": "main"}),
        );
        self.transfer = Some(PendingTransfer {
            callid: callid.to_owned(),
            target,
            mode,
        });
    }

    /// The customer's call as the target agent is offered it.
    fn handed_leg(&self, call: &Call, customer: &str, origin: Option<String>) -> Call {
        let mut leg = Call::new(
            &call.id,
            customer,
            &call.called,
            Phase::Ringing,
            call.base_feature,
        );
        leg.media_ability = call.media_ability.clone();
        leg.skill = call.skill;
        leg.transfer_from = Some(self.agent.clone());
        leg.origin = origin;
        leg.peers.push(Peer::Customer {
            number: customer.to_owned(),
        });
        leg
    }

    fn offer_to(&mut self, agent: String, leg: Call) {
        let calldata = self.calldata.get(&leg.id).cloned();
        self.effects.push(Effect::Offer {
            agent,
            call: Box::new(leg),
            calldata,
        });
    }

    /// `POST …/canceltransfer`: take the customer back from a transfer that
    /// waits for its target; the target's leg is released.
    pub(crate) fn cancel_transfer(&mut self) -> Result<Outcome, Refusal> {
        let Some(t) = self.transfer.take() else {
            return Err(STATE_FORBIDS);
        };
        if let Peer::Agent { workno, leg } = t.target {
            self.effects.push(Effect::Withdraw {
                agent: workno,
                callid: leg,
            });
        }
        Outcome::done()
    }
}

#[cfg(test)]
mod tests {
    use super::mode_allowed;

    #[test]
    fn modes_follow_the_device_type() {
        for (devicetype, mode, outbound, allowed) in [
            (1, 0, false, true),
            (1, 2, false, true),
            (1, 1, false, false),
            (2, 3, false, false),
            (3, 1, false, true),
            (3, 2, false, false),
            (4, 2, false, true),
            (5, 0, false, false),
            (5, 1, false, true),
            (5, 1, true, false),
            (5, 4, true, true),
            (6, 0, false, false),
        ] {
            assert_eq!(
                mode_allowed(devicetype, mode, outbound),
                allowed,
                "{devicetype}/{mode}/{outbound}"
            );
        }
    }
}
