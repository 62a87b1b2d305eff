//! The agent-state machine: connection-bar operations (protocol.md §5),
//! skill sign-in and after-call settings (§8, §12) and call-associated
//! data (§6); calls from the control side are in `offers`. Dialling, consult and
//! conference are in `dial`, in-call controls in `incall`, transfer in
//! `transfer`; the life of a call in `legs`.
//!
//! Every change emits the event sequence a real gateway sends, e.g. a release:
//! `AgentEvent_Call_Release` → `AgentEvent_Customer_Release` →
//! `AgentOther_PhoneRelease` → `AgentState_Work` / `AgentState_Ready`.
//! An operation the current state does not allow is refused with the
//! `200-xxx` code of protocol.md §7 where one is listed, else `100-009`, and
//! changes nothing. Busy and rest asked for during a call wait for its end
//! (status 9).

use std::time::Duration;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    call::Phase,
    legs::End,
    session::{NextState, Session, Work},
    skills,
};
use crate::{
    site::{NumberFate, Site},
    wire::{BAD_PARAMETER, Refusal, STATE_FORBIDS, retcode},
};

/// Largest calldata, in decoded bytes.
pub const CALLDATA_MAX: usize = 16 * 1024;

/// A call for an agent. Defaults: inbound (`feature` 0), voice
/// (`mediaAbility` 1), not transferred, no calldata.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ring {
    pub caller: String,
    pub called: String,
    pub calldata: Option<String>,
    /// `mediaAbility`: 1 voice, 2 video, 3 both.
    pub media_ability: Option<String>,
    /// Set for a call transferred from another agent: `transfer` "yes",
    /// `transfrom` this value.
    pub transfer_from: Option<String>,
    /// An outbound call (`feature` 7).
    pub outbound: bool,
}

/// A gateway operation on a signed-in agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    SayFree,
    SayBusy {
        reason: Option<u16>,
    },
    CancelBusy,
    Rest {
        seconds: u32,
        cause: u8,
    },
    CancelRest,
    Work,
    CancelWork,
    Answer,
    Release,
    Hold,
    GetHold {
        callid: Option<String>,
    },
    Transfer {
        devicetype: String,
        address: String,
        mode: String,
    },
    CancelTransfer,
    CallOut {
        called: String,
        caller: Option<String>,
        skill: Option<u32>,
        calldata: Option<String>,
        media_ability: Option<String>,
    },
    CallInner {
        called: String,
    },
    InnerHelp {
        dst: String,
        devicetype: u8,
        three_party: bool,
        calldata: Option<String>,
    },
    ConfJoin {
        callid: String,
    },
    DropCall {
        callid: String,
    },
    Disconnect {
        number: String,
    },
    Mute {
        on: bool,
    },
    ConnectHold {
        callid: String,
    },
    SecondDial {
        digits: String,
    },
    Reject {
        callid: Option<String>,
        mode: u8,
    },
    ResetSkill {
        autoflag: String,
        ids: Vec<u32>,
    },
    AutoAnswer(bool),
    AutoEnterIdle(bool),
    SetCallData {
        callid: String,
        calldata: String,
        encoded: bool,
    },
    AppData {
        callid: Option<String>,
    },
}

/// What an operation may look at beyond its own session: the site, a fresh
/// call ID, who could take a call now, how numbers behave.
pub struct Env<'a> {
    pub site: &'a Site,
    /// Used when the operation makes a call.
    pub new_callid: String,
    /// Agents with no call and idle, in roster order, with their signed-in skills.
    pub available: Vec<(String, Vec<u32>)>,
    pub fate: &'a dyn Fn(&str) -> NumberFate,
}

impl Env<'_> {
    /// An available agent other than `me`, by agent ID or by skill.
    pub fn pick(&self, me: &str, agent: Option<&str>, skill: Option<u32>) -> Option<String> {
        self.available
            .iter()
            .find(|(a, skills)| {
                a != me && agent.is_none_or(|x| x == a) && skill.is_none_or(|s| skills.contains(&s))
            })
            .map(|(a, _)| a.clone())
    }
}

/// What an accepted operation answers, and a rest timer to start.
pub struct Outcome {
    pub result: Value,
    pub rest_timer: Option<(u64, Duration)>,
}

impl Outcome {
    pub(crate) fn done() -> Result<Self, Refusal> {
        Self::answer(Value::Null)
    }

    pub(crate) fn answer(result: Value) -> Result<Self, Refusal> {
        Ok(Outcome {
            result,
            rest_timer: None,
        })
    }
}

const CALLDATA_TOO_BIG: Refusal =
    Refusal::new(retcode::CALLDATA_REJECTED, "calldata rejected: over 16 KB");

impl Session {
    /// Apply an operation; refused operations change nothing.
    pub fn apply(&mut self, op: Op, env: &Env<'_>) -> Result<Outcome, Refusal> {
        let in_call = !self.calls.is_empty();
        match op {
            Op::SayFree => {
                if in_call || self.work == Work::Rest {
                    return Err(STATE_FORBIDS);
                }
                self.work = Work::Idle;
                self.next = None;
                self.emit("AgentState_Ready", Value::Null);
            }
            Op::SayBusy { reason } => {
                if self.work == Work::Rest && !in_call {
                    return Err(STATE_FORBIDS);
                }
                let reason = reason.map_or_else(|| "1".to_owned(), |r| r.to_string());
                self.count(|s| s.busynums += 1);
                if in_call {
                    self.next = Some(NextState::Busy { reason });
                    return Outcome::done();
                }
                self.work = Work::NotReady;
                self.emit(
                    "AgentState_SetNotReady_Success",
                    json!({ "reason": reason }),
                );
            }
            Op::CancelBusy => {
                if in_call && matches!(self.next, Some(NextState::Busy { .. })) {
                    self.next = None;
                    return Outcome::done();
                }
                if in_call || self.work != Work::NotReady {
                    return Err(STATE_FORBIDS);
                }
                self.work = Work::Idle;
                self.emit("AgentState_CancelNotReady_Success", Value::Null);
                self.emit("AgentState_Ready", Value::Null);
            }
            Op::Rest { seconds, .. } => {
                if self.work == Work::Rest {
                    return Err(STATE_FORBIDS);
                }
                self.count(|s| s.restnums += 1);
                if in_call {
                    self.next = Some(NextState::Rest { seconds });
                    return Outcome::done();
                }
                self.work = Work::Rest;
                self.rest_generation += 1;
                self.emit("AgentState_SetRest_Success", Value::Null);
                return Ok(Outcome {
                    result: Value::Null,
                    rest_timer: Some((
                        self.rest_generation,
                        Duration::from_secs(u64::from(seconds)),
                    )),
                });
            }
            Op::CancelRest => {
                if in_call && matches!(self.next, Some(NextState::Rest { .. })) {
                    self.next = None;
                    return Outcome::done();
                }
                if self.work != Work::Rest {
                    return Err(STATE_FORBIDS);
                }
                self.work = Work::Idle;
                self.rest_generation += 1;
                self.emit("AgentState_CancelRest_Success", Value::Null);
                self.emit("AgentState_Ready", Value::Null);
            }
            Op::Work => {
                if in_call || self.work == Work::Rest {
                    return Err(STATE_FORBIDS);
                }
                self.work = Work::WrapUp;
                self.emit("AgentState_SetWork_Success", Value::Null);
            }
            Op::CancelWork => {
                if in_call || self.work != Work::WrapUp {
                    return Err(STATE_FORBIDS);
                }
                self.work = Work::Idle;
                self.emit("AgentState_CancelWork_Success", Value::Null);
                self.emit("AgentState_Ready", Value::Null);
            }
            Op::Answer => {
                let id = self.in_phase(Phase::Ringing).map(|c| c.id.clone());
                if !id.is_some_and(|id| self.answer_call(&id)) {
                    return Err(STATE_FORBIDS);
                }
            }
            Op::Release => {
                let target = [Phase::Talking, Phase::Alerting, Phase::Ringing, Phase::Held]
                    .into_iter()
                    .find_map(|p| self.in_phase(p))
                    .map(|c| (c.id.clone(), c.answered, c.phase));
                let Some((id, answered, phase)) = target else {
                    return Err(STATE_FORBIDS);
                };
                self.count(|s| {
                    s.agentrelease += 1;
                    if phase == Phase::Ringing {
                        s.noanswernums += 1;
                    }
                });
                self.end_call(&id, End::Agent);
                self.settle(answered);
            }
            Op::Hold => {
                let Some(call) = self.calls.iter_mut().find(|c| c.phase == Phase::Talking) else {
                    return Err(STATE_FORBIDS);
                };
                call.phase = Phase::Held;
                let id = call.id.clone();
                self.emit("AgentEvent_Hold", json!(id));
                self.count(|s| s.keepnums += 1);
            }
            Op::GetHold { callid } => {
                if self.in_phase(Phase::Held).is_none() || self.in_phase(Phase::Talking).is_some() {
                    return Err(STATE_FORBIDS);
                }
                let Some(call) = self
                    .calls
                    .iter_mut()
                    .find(|c| c.phase == Phase::Held && Some(&c.id) == callid.as_ref())
                else {
                    return Err(BAD_PARAMETER);
                };
                call.phase = Phase::Talking;
                let content = call.talking_content();
                self.emit("AgentEvent_Talking", content);
            }
            Op::Transfer {
                devicetype,
                address,
                mode,
            } => return self.transfer(&devicetype, &address, &mode, env),
            Op::CancelTransfer => return self.cancel_transfer(),
            Op::CallOut {
                called,
                caller,
                skill,
                calldata,
                media_ability,
            } => return self.call_out(&called, caller, skill, calldata, media_ability, env),
            Op::CallInner { called } => return self.call_inner(&called, env),
            Op::InnerHelp {
                dst,
                devicetype,
                three_party,
                calldata,
            } => return self.inner_help(&dst, devicetype, three_party, calldata, env),
            Op::ConfJoin { callid } => return self.conf_join(&callid),
            Op::DropCall { callid } => return self.drop_call(&callid),
            Op::Disconnect { number } => return self.disconnect(&number),
            Op::Mute { on } => return self.mute(on),
            Op::ConnectHold { callid } => return self.connect_hold(&callid),
            Op::SecondDial { digits } => return self.second_dial(digits),
            Op::Reject { callid, mode } => return self.reject(callid.as_deref(), mode),
            Op::ResetSkill { autoflag, ids } => {
                let configured = env.site.configured(&self.agent);
                self.skills = skills::reset_selection(&configured, &autoflag, &ids);
            }
            Op::AutoAnswer(on) => self.autoanswer = on,
            Op::AutoEnterIdle(on) => self.autoenteridle = on,
            Op::SetCallData {
                callid,
                calldata,
                encoded,
            } => {
                if !in_call {
                    return Err(STATE_FORBIDS);
                }
                if self.call(&callid).is_none() {
                    return Err(BAD_PARAMETER);
                }
                let value = decode_calldata(&calldata, encoded)?;
                self.calldata.insert(callid, value);
            }
            Op::AppData { callid } => {
                let callid = callid.ok_or(BAD_PARAMETER)?;
                let known = self.call(&callid).is_some() || self.calldata.contains_key(&callid);
                if !known {
                    return Err(BAD_PARAMETER);
                }
                let value = self.calldata.get(&callid).cloned().unwrap_or_default();
                return Outcome::answer(Value::String(value));
            }
        }
        Outcome::done()
    }

    /// A bar refreshed mid-call hands back the calldata it was showing; taken
    /// only when the current call has none.
    pub fn restore_calldata(&mut self, value: String) {
        if value.is_empty() || value.len() > CALLDATA_MAX {
            return;
        }
        if let Some(id) = self.main_call().map(|c| c.id.clone()) {
            self.calldata.entry(id).or_insert(value);
        }
    }

    pub fn current_calldata(&self) -> Option<&str> {
        let call = self.main_call()?;
        self.calldata.get(&call.id).map(String::as_str)
    }
}

/// The stored calldata: the text itself, or the Base64-decoded text.
pub(crate) fn decode_calldata(value: &str, encoded: bool) -> Result<String, Refusal> {
    let text = if encoded {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .map_err(|_| BAD_PARAMETER)?;
        if bytes.len() > CALLDATA_MAX {
            return Err(CALLDATA_TOO_BIG);
        }
        String::from_utf8(bytes).map_err(|_| BAD_PARAMETER)?
    } else {
        value.to_owned()
    };
    if text.len() > CALLDATA_MAX {
        return Err(CALLDATA_TOO_BIG);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calldata_limit_counts_decoded_bytes() {
        let exact = "x".repeat(CALLDATA_MAX);
        assert_eq!(decode_calldata(&exact, false).unwrap().len(), CALLDATA_MAX);
        let over = "x".repeat(CALLDATA_MAX + 1);
        assert_eq!(decode_calldata(&over, false), Err(CALLDATA_TOO_BIG));
        let b64 = base64::engine::general_purpose::STANDARD.encode(exact.as_bytes());
        assert!(b64.len() > CALLDATA_MAX);
        assert_eq!(decode_calldata(&b64, true).unwrap(), exact);
        let b64_over = base64::engine::general_purpose::STANDARD.encode(over.as_bytes());
        assert_eq!(decode_calldata(&b64_over, true), Err(CALLDATA_TOO_BIG));
        assert_eq!(decode_calldata("%%%", true), Err(BAD_PARAMETER));
    }
}
