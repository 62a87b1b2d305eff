//! The agent-state machine: connection-bar operations (protocol.md §5),
//! calls rung from the control side, and call-associated data (§6).
//!
//! Every change emits the event sequence a real gateway sends, e.g. a release:
//! `AgentEvent_Call_Release` → `AgentEvent_Customer_Release` →
//! `AgentOther_PhoneRelease` → `AgentState_Work` / `AgentState_Ready`.
//! An operation the current state does not allow is refused with `100-009`
//! and changes nothing.

use std::time::Duration;

use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    error::ControlError,
    session::{Call, Phase, Session, Work},
};
use crate::wire::{BAD_PARAMETER, Refusal, STATE_FORBIDS, retcode};

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
    SetCallData {
        callid: String,
        calldata: String,
        encoded: bool,
    },
    AppData {
        callid: Option<String>,
    },
}

/// What an accepted operation answers, and a rest timer to start.
pub struct Outcome {
    pub result: Value,
    pub rest_timer: Option<(u64, Duration)>,
}

impl Outcome {
    fn done() -> Result<Self, Refusal> {
        Ok(Outcome {
            result: Value::Null,
            rest_timer: None,
        })
    }
}

const CALLDATA_TOO_BIG: Refusal =
    Refusal::new(retcode::CALLDATA_REJECTED, "calldata rejected: over 16 KB");

impl Session {
    /// Apply a bar operation; refused operations change nothing.
    pub fn apply(&mut self, op: Op) -> Result<Outcome, Refusal> {
        let in_call = self.call.is_some();
        let phase = self.call.as_ref().map(|c| c.phase);
        match op {
            Op::SayFree => {
                if in_call || self.work == Work::Rest {
                    return Err(STATE_FORBIDS);
                }
                self.work = Work::Idle;
                self.emit("AgentState_Ready", Value::Null);
            }
            Op::SayBusy { reason } => {
                if in_call || self.work == Work::Rest {
                    return Err(STATE_FORBIDS);
                }
                self.work = Work::NotReady;
                let reason = reason.map_or_else(|| "1".to_owned(), |r| r.to_string());
                self.emit(
                    "AgentState_SetNotReady_Success",
                    json!({ "reason": reason }),
                );
            }
            Op::CancelBusy => {
                if in_call || self.work != Work::NotReady {
                    return Err(STATE_FORBIDS);
                }
                self.work = Work::Idle;
                self.emit("AgentState_CancelNotReady_Success", Value::Null);
                self.emit("AgentState_Ready", Value::Null);
            }
            Op::Rest { seconds, .. } => {
                if in_call || self.work == Work::Rest {
                    return Err(STATE_FORBIDS);
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
                let Some(call) = self.call.as_mut().filter(|c| c.phase == Phase::Ringing) else {
                    return Err(STATE_FORBIDS);
                };
                call.phase = Phase::Talking;
                call.answered = true;
                let content = call.talking_content();
                self.emit("AgentEvent_Talking", content);
                self.emit("AgentState_Busy", Value::Null);
            }
            Op::Release => {
                let Some(call) = self.call.take() else {
                    return Err(STATE_FORBIDS);
                };
                self.emit("AgentEvent_Call_Release", json!(call.id));
                self.emit(
                    "AgentEvent_Customer_Release",
                    json!({"callid": call.id, "number": call.caller}),
                );
                self.emit("AgentOther_PhoneRelease", json!({"phoneState": 3}));
                self.after_call(call.answered);
            }
            Op::Hold => {
                let Some(call) = self.call.as_mut().filter(|c| c.phase == Phase::Talking) else {
                    return Err(STATE_FORBIDS);
                };
                call.phase = Phase::Held;
                let id = call.id.clone();
                self.emit("AgentEvent_Hold", json!(id));
            }
            Op::GetHold { callid } => {
                if phase != Some(Phase::Held) {
                    return Err(STATE_FORBIDS);
                }
                let Some(call) = self
                    .call
                    .as_mut()
                    .filter(|c| Some(&c.id) == callid.as_ref())
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
            } => {
                if !matches!(phase, Some(Phase::Talking | Phase::Held)) {
                    return Err(STATE_FORBIDS);
                }
                if address.is_empty() || !matches!(devicetype.as_str(), "1" | "2" | "3" | "4" | "5")
                {
                    return Err(BAD_PARAMETER);
                }
                let Some(call) = self.call.take() else {
                    return Err(STATE_FORBIDS);
                };
                self.emit(
                    "AgentEvent_SuccTransResult",
                    json!({"callid": call.id, "devicetype": devicetype, "address": address, "mode": mode}),
                );
                self.emit("AgentEvent_Call_Release", json!(call.id));
                self.emit("AgentOther_PhoneRelease", json!({"phoneState": 3}));
                self.after_call(true);
            }
            Op::SetCallData {
                callid,
                calldata,
                encoded,
            } => {
                let Some(call) = &self.call else {
                    return Err(STATE_FORBIDS);
                };
                if call.id != callid {
                    return Err(BAD_PARAMETER);
                }
                let value = decode_calldata(&calldata, encoded)?;
                self.calldata.insert(callid, value);
            }
            Op::AppData { callid } => {
                let callid = callid.ok_or(BAD_PARAMETER)?;
                let known = self.call.as_ref().is_some_and(|c| c.id == callid)
                    || self.calldata.contains_key(&callid);
                if !known {
                    return Err(BAD_PARAMETER);
                }
                let value = self.calldata.get(&callid).cloned().unwrap_or_default();
                return Ok(Outcome {
                    result: Value::String(value),
                    rest_timer: None,
                });
            }
        }
        Outcome::done()
    }

    /// After a call: wrap-up when the agent answered and does not go idle by
    /// itself (`autoenteridle` false), idle otherwise.
    fn after_call(&mut self, answered: bool) {
        if answered && !self.autoenteridle {
            self.work = Work::WrapUp;
            self.emit("AgentState_Work", Value::Null);
        } else {
            self.work = Work::Idle;
            self.emit("AgentState_Ready", Value::Null);
        }
    }

    /// A call arrives (control side). With `autoanswer` (the sign-in default)
    /// the agent answers at once: `AgentEvent_Auto_Answer` → `AgentEvent_Talking`
    /// → `AgentState_Busy`; otherwise `AgentEvent_Ringing` and the bar answers.
    pub fn ring(&mut self, callid: &str, ring: &Ring) -> Result<(), ControlError> {
        if self.call.is_some() || self.work != Work::Idle {
            return Err(ControlError::NotIdle(self.agent.clone()));
        }
        if ring
            .calldata
            .as_ref()
            .is_some_and(|c| c.len() > CALLDATA_MAX)
        {
            return Err(ControlError::BadRequest("calldata over 16 KB".to_owned()));
        }
        let transfer_from = ring.transfer_from.clone().unwrap_or_default();
        let call = Call {
            id: callid.to_owned(),
            caller: ring.caller.clone(),
            called: ring.called.clone(),
            phase: Phase::Ringing,
            answered: false,
            feature: if ring.outbound { "7" } else { "0" },
            media_ability: ring.media_ability.clone().unwrap_or_else(|| "1".to_owned()),
        };
        let content = json!({
            "caller": call.caller,
            "called": call.called,
            "callid": call.id,
            "transfer": if transfer_from.is_empty() { "no" } else { "yes" },
            "transfrom": transfer_from,
            "type": "main",
            "mediaType": "5",
            "mediaAbility": call.media_ability,
            "feature": call.feature,
        });
        if let Some(data) = &ring.calldata {
            self.calldata.insert(callid.to_owned(), data.clone());
        }
        if self.autoanswer {
            self.emit("AgentEvent_Auto_Answer", content);
            let mut call = call;
            call.phase = Phase::Talking;
            call.answered = true;
            self.emit("AgentEvent_Talking", call.talking_content());
            self.emit("AgentState_Busy", Value::Null);
            self.call = Some(call);
        } else {
            self.emit("AgentEvent_Ringing", content);
            self.call = Some(call);
        }
        Ok(())
    }

    /// The customer hangs up (control side).
    pub fn customer_hang_up(&mut self) -> Result<(), ControlError> {
        let call = self
            .call
            .take()
            .ok_or_else(|| ControlError::NoCall(self.agent.clone()))?;
        self.emit(
            "AgentEvent_Customer_Release",
            json!({"callid": call.id, "number": call.caller}),
        );
        self.emit("AgentEvent_Call_Release", json!(call.id));
        self.emit("AgentOther_PhoneRelease", json!({"phoneState": 3}));
        self.after_call(call.answered);
        Ok(())
    }

    /// A bar refreshed mid-call hands back the calldata it was showing; taken
    /// only when the current call has none.
    pub fn restore_calldata(&mut self, value: String) {
        if value.is_empty() || value.len() > CALLDATA_MAX {
            return;
        }
        if let Some(call) = &self.call {
            self.calldata.entry(call.id.clone()).or_insert(value);
        }
    }

    pub fn current_calldata(&self) -> Option<&str> {
        let call = self.call.as_ref()?;
        self.calldata.get(&call.id).map(String::as_str)
    }
}

/// The stored calldata: the text itself, or the Base64-decoded text.
fn decode_calldata(value: &str, encoded: bool) -> Result<String, Refusal> {
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
