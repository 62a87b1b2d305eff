//! In-call controls (protocol.md §9.2): mute, switching between the talking
//! and a held call, DTMF digits, and rejecting a ringing call.

use serde_json::json;

use super::{
    call::{Peer, Phase, feature},
    calls::Outcome,
    effects::Effect,
    legs::End,
    session::{Session, Work},
    skills::QueuedCall,
};
use crate::wire::{BAD_PARAMETER, Refusal, STATE_FORBIDS, retcode};

const MUTE_NO_CALL: Refusal = Refusal::new(retcode::MUTE_NO_CALL, "no call to mute");
const MUTE_FORBIDDEN: Refusal = Refusal::new(
    retcode::MUTE_FORBIDDEN,
    "the call's state does not allow muting",
);
const CONNECT_NO_CALL: Refusal = Refusal::new(retcode::CONNECT_NO_CALL, "no established call");
const CONNECT_NO_HELD: Refusal = Refusal::new(retcode::CONNECT_NO_HELD, "no such held call");
const NO_RINGING: Refusal = Refusal::new(retcode::NO_RINGING_CALL, "no call to answer or reject");

impl Session {
    /// `POST …/beginmute` / `endmute`: the talking call; not internal calls
    /// (feature 6, help, conference) nor video.
    pub(crate) fn mute(&mut self, on: bool) -> Result<Outcome, Refusal> {
        if self.calls.is_empty() {
            return Err(MUTE_NO_CALL);
        }
        let Some(call) = self.calls.iter_mut().find(|c| c.phase == Phase::Talking) else {
            return Err(MUTE_FORBIDDEN);
        };
        if feature::is_internal(call.feature) || call.media_ability != "1" || call.muted == on {
            return Err(MUTE_FORBIDDEN);
        }
        call.muted = on;
        Outcome::done()
    }

    /// `POST …/connecthold/{callid}`: hold the talking call and talk on the
    /// held call `callid`.
    pub(crate) fn connect_hold(&mut self, callid: &str) -> Result<Outcome, Refusal> {
        let Some(active) = self.in_phase(Phase::Talking).map(|c| c.id.clone()) else {
            return Err(CONNECT_NO_CALL);
        };
        if !self.call(callid).is_some_and(|c| c.phase == Phase::Held) {
            return Err(CONNECT_NO_HELD);
        }
        if let Some(call) = self.call_mut(&active) {
            call.phase = Phase::Held;
        }
        self.emit("AgentEvent_Hold", json!(active));
        self.count(|s| s.keepnums += 1);
        if let Some(call) = self.call_mut(callid) {
            call.phase = Phase::Talking;
            let content = call.talking_content();
            self.emit("AgentEvent_Talking", content);
        }
        Outcome::done()
    }

    /// `POST …/seconddialex?number=`: DTMF on the talking voice call; the
    /// digits are recorded for tests.
    pub(crate) fn second_dial(&mut self, digits: String) -> Result<Outcome, Refusal> {
        let digits_ok = (1..=24).contains(&digits.len())
            && digits
                .bytes()
                .all(|b| b.is_ascii_digit() || b == b'*' || b == b'#');
        if !digits_ok {
            return Err(BAD_PARAMETER);
        }
        let Some(call) = self.in_phase(Phase::Talking) else {
            return Err(STATE_FORBIDS);
        };
        if call.media_ability != "1" {
            return Err(STATE_FORBIDS);
        }
        crate::sync::lock(&self.records).dtmf.push(digits);
        Outcome::done()
    }

    /// `POST …/reject`: only a ringing call. Mode 1: back to its queue,
    /// `AgentEvent_No_Answer`, agent busy (reason 7). Mode 2: released,
    /// `AgentOther_PhoneRelease`, `AgentState_Ready`.
    pub(crate) fn reject(&mut self, callid: Option<&str>, mode: u8) -> Result<Outcome, Refusal> {
        if !matches!(mode, 1 | 2) {
            return Err(BAD_PARAMETER);
        }
        let Some(call) = self
            .calls
            .iter()
            .rev()
            .find(|c| c.phase == Phase::Ringing && callid.is_none_or(|id| id == c.id))
            .cloned()
        else {
            return Err(NO_RINGING);
        };
        self.count(|s| s.noanswernums += 1);
        if mode == 1 {
            self.emit("AgentEvent_No_Answer", json!(call.id));
            self.end_call(&call.id, End::Silent);
            if let (Some(skill), Some(Peer::Customer { number })) = (call.skill, call.peers.first())
            {
                self.effects.push(Effect::Queue(QueuedCall {
                    callid: call.id.clone(),
                    skill,
                    caller: number.clone(),
                    called: call.called.clone(),
                    calldata: self.calldata.get(&call.id).cloned(),
                    media_ability: call.media_ability.clone(),
                    transfer_from: call.transfer_from.clone(),
                    exclude: Some(self.agent.clone()),
                    requeued: call.requeued + 1,
                    since: tokio::time::Instant::now(),
                }));
            }
            if self.calls.is_empty() {
                self.work = Work::NotReady;
                self.emit("AgentState_SetNotReady_Success", json!({"reason": "7"}));
            }
        } else {
            self.end_call(&call.id, End::Handed);
            self.settle(false);
        }
        Outcome::done()
    }
}
