//! The connection-bar state: a pure function of the events.
//!
//! [`BarState::apply`] folds one event in; the time is passed in, never read.
//! The engine adds what events cannot tell (health, the last error, mute, a
//! transfer or a next state asked for, a reconciliation from `agentstatus`
//! after a gap). An agent may have several calls at once (a held customer
//! and a consult call); every event changes the call its call ID names, and
//! the agent state follows the calls. The state always holds: the agent has
//! calls exactly when ringing, talking or holding; holding exactly when every
//! call is held; no call when signed out.

use serde::Serialize;

use crate::client::{AgentStatus, ClientError};
use crate::event::{Event, EventKind};

mod call;
mod health;

pub use call::{Call, CallData, CallKind, CallPhase, Direction, Media};
pub use health::{Health, LastError, ReconnectCause, SignOutReason};

/// What the agent is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AgentState {
    SignedOut,
    SigningIn,
    Idle,
    Busy,
    Ringing,
    Talking,
    Hold,
    WrapUp,
    Rest,
}

impl AgentState {
    /// Ringing, talking or holding: states that come with a call.
    pub fn in_call(self) -> bool {
        matches!(
            self,
            AgentState::Ringing | AgentState::Talking | AgentState::Hold
        )
    }
}

/// A state the agent asked for during a call: the gateway takes it when the
/// call ends (protocol §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum NextState {
    Busy { reason: Option<u16> },
    Rest { seconds: u32, cause: u8 },
}

/// A transfer the bar knows about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferProgress {
    pub callid: Option<String>,
    pub outcome: TransferOutcome,
    pub at_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum TransferOutcome {
    /// Waiting for the target to answer; the customer is still on the bar.
    Waiting,
    /// The target did not take the call (`AgentEvent_SuccTransResult` with a
    /// non-zero result): the customer is still with the agent.
    Failed { result: i64 },
}

/// Everything the connection bar shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BarState {
    pub agent: AgentState,
    /// When `agent` last changed (epoch ms).
    pub since_ms: u64,
    /// The busy reason asked for or forced (kept for display while busy).
    pub busy_reason: Option<String>,
    /// The rest has run over its time (`AgentState_Rest_Timeout`).
    pub rest_overdue: bool,
    /// Every call of the agent's, oldest first.
    pub calls: Vec<Call>,
    /// The state the agent asked for during the call.
    pub next: Option<NextState>,
    pub transfer: Option<TransferProgress>,
    pub health: Health,
    pub last_error: Option<LastError>,
}

impl BarState {
    /// The state before any sign-in.
    pub fn signed_out(now_ms: u64) -> BarState {
        BarState {
            agent: AgentState::SignedOut,
            since_ms: now_ms,
            busy_reason: None,
            rest_overdue: false,
            calls: Vec::new(),
            next: None,
            transfer: None,
            health: Health::SignedOut {
                reason: SignOutReason::NotSignedIn,
            },
            last_error: None,
        }
    }

    /// The call with this ID.
    pub fn call(&self, callid: &str) -> Option<&Call> {
        self.calls
            .iter()
            .find(|c| c.callid.as_deref() == Some(callid))
    }

    /// The call the agent is on: the one talking, else the one ringing or
    /// being dialled, else the first held one.
    pub fn active_call(&self) -> Option<&Call> {
        self.active_index().map(|i| &self.calls[i])
    }

    /// Where [`active_call`](Self::active_call) is in `calls`.
    pub fn active_index(&self) -> Option<usize> {
        [CallPhase::Talking, CallPhase::Ringing, CallPhase::Dialing]
            .iter()
            .find_map(|p| self.calls.iter().position(|c| c.phase == *p))
            .or_else(|| (!self.calls.is_empty()).then_some(0))
    }

    /// The call offered to the agent now, if any.
    pub fn ringing_call(&self) -> Option<&Call> {
        self.calls.iter().find(|c| c.is_ringing())
    }

    fn set_agent(&mut self, agent: AgentState, now_ms: u64) {
        if self.agent != agent {
            self.agent = agent;
            self.since_ms = now_ms;
            if agent != AgentState::Rest {
                self.rest_overdue = false;
            }
        }
    }

    /// Drops every call and what hangs on them.
    fn clear_calls(&mut self) {
        self.calls.clear();
        self.transfer = None;
    }

    /// The agent state the calls make: talking over ringing over held. With
    /// no call left the agent is occupied until the next state event.
    fn settle(&mut self, now_ms: u64) {
        if self.calls.is_empty() {
            self.transfer = None;
            if self.agent.in_call() {
                self.set_agent(AgentState::Busy, now_ms);
            }
            return;
        }
        let has = |p: CallPhase| self.calls.iter().any(|c| c.phase == p);
        let agent = if has(CallPhase::Talking) {
            AgentState::Talking
        } else if has(CallPhase::Ringing) || has(CallPhase::Dialing) {
            AgentState::Ringing
        } else {
            AgentState::Hold
        };
        self.set_agent(agent, now_ms);
    }

    /// Which call an event is about: the one with its ID; without an ID,
    /// the only call, or else the one not on hold.
    fn index_of(&self, callid: Option<&str>) -> Option<usize> {
        match callid {
            Some(id) => self
                .calls
                .iter()
                .position(|c| c.callid.as_deref() == Some(id)),
            None if self.calls.len() == 1 => Some(0),
            None => self.calls.iter().position(|c| !c.is_held()),
        }
    }

    /// The call an event is about, added (known by its ID only) when the bar
    /// had not seen it.
    fn call_for(&mut self, callid: Option<&str>, phase: CallPhase, now_ms: u64) -> &mut Call {
        let i = match self.index_of(callid) {
            Some(i) => i,
            None => {
                self.calls
                    .push(Call::bare(callid.map(str::to_owned), phase, now_ms));
                self.calls.len() - 1
            }
        };
        &mut self.calls[i]
    }

    fn end_call(&mut self, callid: Option<&str>) {
        if let Some(i) = self.index_of(callid) {
            self.calls.remove(i);
        }
    }

    /// An agent-state event that waits for the calls to end when there are any.
    fn set_agent_unless_in_call(&mut self, agent: AgentState, now_ms: u64) {
        if self.calls.is_empty() {
            self.next = None;
            self.set_agent(agent, now_ms);
        }
    }

    /// Folds one event into the state.
    pub fn apply(&mut self, event: &Event, now_ms: u64) {
        use EventKind::*;
        match &event.kind {
            InService => {
                self.clear_calls();
                self.busy_reason = None;
                self.next = None;
                self.set_agent(AgentState::SigningIn, now_ms);
            }
            Ready | ForceReady | CancelNotReadySuccess | CancelRestSuccess | CancelWorkSuccess => {
                self.clear_calls();
                self.busy_reason = None;
                self.next = None;
                self.set_agent(AgentState::Idle, now_ms);
            }
            SetNotReadySuccess { reason } => {
                self.busy_reason = reason.clone();
                self.set_agent_unless_in_call(AgentState::Busy, now_ms);
            }
            ForceSetNotReady | Busy => self.set_agent_unless_in_call(AgentState::Busy, now_ms),
            SetRestSuccess if self.calls.is_empty() => {
                self.next = None;
                self.set_agent(AgentState::Rest, now_ms);
                self.rest_overdue = false;
            }
            RestTimeout if self.agent == AgentState::Rest => self.rest_overdue = true,
            Work | SetWorkSuccess => self.set_agent_unless_in_call(AgentState::WrapUp, now_ms),
            Ringing(offer) | AutoAnswer(offer) => {
                let mut call = Call::from_offer(offer, now_ms);
                match self
                    .index_of(offer.callid.as_deref())
                    .filter(|_| offer.callid.is_some())
                {
                    Some(i) => {
                        let old = &self.calls[i];
                        call.since_ms = old.since_ms;
                        call.calldata = old.calldata.clone();
                        call.muted = old.muted;
                        if old.phase != CallPhase::Ringing {
                            // An offer repeated for a call already up changes nothing but details.
                            call.phase = old.phase;
                            call.phase_since_ms = old.phase_since_ms;
                        }
                        self.calls[i] = call;
                    }
                    None => self.calls.push(call),
                }
            }
            Talking(t) => {
                let c = self.call_for(t.callid.as_deref(), CallPhase::Talking, now_ms);
                c.set_phase(CallPhase::Talking, now_ms);
                if c.callid.is_none() {
                    c.callid = t.callid.clone();
                }
                c.caller = t.caller.clone().or(c.caller.take());
                c.called = t.called.clone().or(c.called.take());
                c.set_feature(t.feature.as_deref());
                let media = Media::from_ability(t.media_ability.as_deref());
                if media != Media::Unknown {
                    c.media = media;
                }
            }
            CustomerAlerting(a) => {
                let known = match a.callid.as_deref() {
                    Some(id) => self.call(id).is_some(),
                    None => !self.calls.is_empty(),
                };
                // For a call already up, the other side of a transfer or a
                // consult is ringing: the call itself does not change.
                if !known {
                    self.calls.push(Call::dialing(a, now_ms));
                }
            }
            Hold { callid } => {
                let callid = callid.as_deref();
                let i = match callid {
                    None => self
                        .calls
                        .iter()
                        .position(|c| c.phase == CallPhase::Talking)
                        .or_else(|| self.index_of(None)),
                    id => self.index_of(id),
                };
                match i {
                    Some(i) => self.calls[i].set_phase(CallPhase::Held, now_ms),
                    None => self.calls.push(Call::bare(
                        callid.map(str::to_owned),
                        CallPhase::Held,
                        now_ms,
                    )),
                }
            }
            Conference { callid, partners } => {
                let c = self.call_for(callid.as_deref(), CallPhase::Talking, now_ms);
                c.set_phase(CallPhase::Talking, now_ms);
                c.kind = CallKind::Conference;
                if !partners.is_empty() {
                    c.parties = partners.clone();
                }
                let joined = c.callid.clone();
                // The call up beside the held one (the consult) is now part
                // of the conference; a gateway need not release it apart.
                if joined.is_some() {
                    self.calls.retain(|c| c.callid == joined || c.is_held());
                }
            }
            CustomerRelease { callid, number } => {
                // In a three-party call one party leaving ends nothing else.
                let party_left = self.index_of(callid.as_deref()).is_some_and(|i| {
                    let c = &mut self.calls[i];
                    let before = c.parties.len();
                    c.parties.retain(|p| Some(p) != number.as_ref());
                    c.parties.len() < before && !c.parties.is_empty()
                });
                if !party_left {
                    self.end_call(callid.as_deref());
                }
            }
            CallRelease { callid }
            | CallOutFail { callid }
            | NoAnswer { callid }
            | ConnectFail { callid }
            | ConsultFail { callid }
            | InsideCallFail { callid } => self.end_call(callid.as_deref()),
            SuccTransResult { callid, result } => match result {
                Some(0) => self.transfer = None,
                Some(r) if !self.calls.is_empty() => {
                    self.transfer = Some(TransferProgress {
                        callid: callid.clone(),
                        outcome: TransferOutcome::Failed { result: *r },
                        at_ms: now_ms,
                    });
                }
                _ => {}
            },
            ShutdownService { .. } => {
                self.clear_calls();
                self.busy_reason = None;
                self.next = None;
                self.set_agent(AgentState::SignedOut, now_ms);
            }
            _ => return,
        }
        self.settle(now_ms);
    }

    /// Sets what `agentstatus` (and `appdata`) told after a gap, keeping the
    /// calls already known when the gateway still reports a call.
    pub fn reconcile(&mut self, status: AgentStatus, calldata: Option<String>, now_ms: u64) {
        let agent = match status {
            AgentStatus::SignedOut => AgentState::SignedOut,
            AgentStatus::SigningIn => AgentState::SigningIn,
            AgentStatus::Idle => AgentState::Idle,
            AgentStatus::Busy => AgentState::Busy,
            AgentStatus::WrapUp => AgentState::WrapUp,
            AgentStatus::Rest | AgentStatus::PreRest => AgentState::Rest,
            AgentStatus::Talking => {
                if self.calls.is_empty() {
                    self.calls
                        .push(Call::bare(None, CallPhase::Talking, now_ms));
                }
                if let (Some(d), Some(i)) = (calldata, self.active_index()) {
                    self.calls[i].calldata = Some(CallData(d));
                }
                self.settle(now_ms);
                return;
            }
            AgentStatus::Unknown => return,
        };
        self.clear_calls();
        self.set_agent(agent, now_ms);
    }

    /// Records call data fetched for a call.
    pub fn set_calldata(&mut self, callid: &str, calldata: String) {
        if let Some(c) = self
            .calls
            .iter_mut()
            .find(|c| c.callid.as_deref() == Some(callid))
        {
            c.calldata = Some(CallData(calldata));
        }
    }

    /// Records that the gateway took a mute or unmute of the active call
    /// (it sends no event for either).
    pub fn set_muted(&mut self, muted: bool) {
        if let Some(i) = self.active_index() {
            self.calls[i].muted = muted;
        }
    }

    /// Records the state the agent asked for during a call (`None`: taken back).
    pub fn set_next(&mut self, next: Option<NextState>) {
        self.next = if self.calls.is_empty() { None } else { next };
    }

    /// Records a transfer that waits for its target to answer.
    pub fn transfer_waiting(&mut self, callid: Option<String>, now_ms: u64) {
        if !self.calls.is_empty() {
            self.transfer = Some(TransferProgress {
                callid,
                outcome: TransferOutcome::Waiting,
                at_ms: now_ms,
            });
        }
    }

    /// The agent cancelled the transfer, or dismissed its failure.
    pub fn transfer_done(&mut self) {
        self.transfer = None;
    }

    /// Records the connection health.
    pub fn set_health(&mut self, health: Health, now_ms: u64) {
        if let Health::SignedOut { .. } = health {
            self.clear_calls();
            self.busy_reason = None;
            self.next = None;
            self.set_agent(AgentState::SignedOut, now_ms);
        }
        self.health = health;
    }

    /// Records a failure to show.
    pub fn set_error(&mut self, error: &ClientError, now_ms: u64) {
        self.last_error = Some(LastError {
            kind: error.kind().to_owned(),
            retcode: error.retcode().map(str::to_owned),
            http_status: match error {
                ClientError::HttpStatus { status } => Some(*status),
                _ => None,
            },
            at_ms: now_ms,
        });
    }
}

/// The pure form: the state after `event`.
pub fn apply(state: &BarState, event: &Event, now_ms: u64) -> BarState {
    let mut next = state.clone();
    next.apply(event, now_ms);
    next
}

#[cfg(test)]
mod tests;
