//! The connection-bar state: a pure function of the events.
//!
//! [`BarState::apply`] folds one event in; the time is passed in, never read.
//! The engine adds what events cannot tell (health, the last error, a
//! reconciliation from `agentstatus` after a gap). The state always holds:
//! a call exists exactly when the agent is ringing, talking or holding, and the
//! call is held exactly when the agent state is `Hold` (so no call when
//! signed out).

use std::fmt;

use serde::{Serialize, Serializer};

use crate::client::{AgentStatus, ClientError};
use crate::event::{CallOffer, Event, EventKind};

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

/// Call direction, from the event's `feature` (0 inbound, 7 outbound).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    Inbound,
    Outbound,
    Unknown,
}

impl Direction {
    fn from_feature(f: Option<&str>) -> Direction {
        match f.map(str::trim) {
            Some("0") => Direction::Inbound,
            Some("7") => Direction::Outbound,
            _ => Direction::Unknown,
        }
    }
}

/// Call media, from `mediaAbility` (1 voice, 2 video, 3 both).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Media {
    Voice,
    Video,
    VoiceAndVideo,
    Unknown,
}

impl Media {
    fn from_ability(a: Option<&str>) -> Media {
        match a.map(str::trim) {
            Some("1") => Media::Voice,
            Some("2") => Media::Video,
            Some("3") => Media::VoiceAndVideo,
            _ => Media::Unknown,
        }
    }
}

/// Call-associated data: shown to the agent, never logged (Debug prints the length).
#[derive(Clone, PartialEq, Eq)]
pub struct CallData(pub String);

impl fmt::Debug for CallData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CallData({} bytes)", self.0.len())
    }
}

impl Serialize for CallData {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// The call on the bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Call {
    pub callid: Option<String>,
    pub caller: Option<String>,
    pub called: Option<String>,
    pub direction: Direction,
    pub media: Media,
    pub held: bool,
    /// Transferred to this agent, from whom.
    pub transferred_from: Option<String>,
    /// When the call reached the bar (epoch ms).
    pub since_ms: u64,
    pub calldata: Option<CallData>,
}

impl Call {
    fn from_offer(o: &CallOffer, now_ms: u64) -> Call {
        Call {
            callid: o.callid.clone(),
            caller: o.caller.clone(),
            called: o.called.clone(),
            direction: Direction::from_feature(o.feature.as_deref()),
            media: Media::from_ability(o.media_ability.as_deref()),
            held: false,
            transferred_from: if o.transfer == Some(true) {
                o.transfrom.clone()
            } else {
                None
            },
            since_ms: now_ms,
            calldata: None,
        }
    }

    fn bare(callid: Option<String>, now_ms: u64) -> Call {
        Call {
            callid,
            caller: None,
            called: None,
            direction: Direction::Unknown,
            media: Media::Unknown,
            held: false,
            transferred_from: None,
            since_ms: now_ms,
            calldata: None,
        }
    }

    /// Whether an event about `callid` concerns this call (unknown IDs match).
    fn is(&self, callid: Option<&str>) -> bool {
        match (self.callid.as_deref(), callid) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
    }
}

/// Why the session is signed out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SignOutReason {
    /// Never signed in (yet).
    NotSignedIn,
    /// The agent signed out.
    ByAgent,
    /// The gateway no longer knows the session (`000-001`, `000-003`, `100-006`).
    ByGateway { retcode: String },
    /// Signing in again (after a switchover or on another gateway) failed:
    /// the client error's kind and the gateway's retcode, if it gave one.
    SignInFailed {
        error: String,
        retcode: Option<String>,
    },
}

/// Why events are not flowing: a cause for each face to put into words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum ReconnectCause {
    /// The gateway cannot be reached (refused, no route, DNS).
    Unreachable,
    /// The gateway did not answer in time.
    Timeout,
    /// The gateway's certificate is not trusted.
    CertificateNotTrusted,
    /// The connection broke mid-answer.
    Transport,
    /// The gateway answered with an HTTP status other than 200.
    HttpStatus { status: u16 },
    /// Disaster-recovery switchover (`105-005/6/7`): signing in again on gateway `to`.
    Switchover { retcode: String, to: usize },
    /// Gateway `from` stayed unreachable: signing in on gateway `to`.
    Failover { from: usize, to: usize },
    /// Push mode: the heartbeat works, but the gateway's view of the agent
    /// (`agentstatus`) and the bar disagree: pushed events are not arriving.
    PushesStalled,
}

impl ReconnectCause {
    /// The cause of a failed request to the gateway.
    pub fn of(error: &ClientError) -> ReconnectCause {
        match error {
            ClientError::Unreachable { .. } => ReconnectCause::Unreachable,
            ClientError::Timeout => ReconnectCause::Timeout,
            ClientError::CertificateNotTrusted { .. } => ReconnectCause::CertificateNotTrusted,
            ClientError::HttpStatus { status } => ReconnectCause::HttpStatus { status: *status },
            ClientError::DisasterRecovery { retcode } => ReconnectCause::Switchover {
                retcode: retcode.clone(),
                to: 0,
            },
            _ => ReconnectCause::Transport,
        }
    }
}

/// The connection to the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Health {
    /// Events are flowing from this gateway (index 0 is the primary).
    Connected {
        gateway: String,
        gateway_index: usize,
    },
    /// Events are not flowing; the engine is retrying.
    Reconnecting {
        since_ms: u64,
        cause: ReconnectCause,
    },
    /// No session: nothing flows until a new sign-in.
    SignedOut { reason: SignOutReason },
}

/// The last failure worth showing: what kind of failure (a
/// [`ClientError::kind`]), the gateway's retcode or HTTP status when there
/// was one. Each face puts it into words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LastError {
    pub kind: String,
    pub retcode: Option<String>,
    pub http_status: Option<u16>,
    pub at_ms: u64,
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
    pub call: Option<Call>,
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
            call: None,
            health: Health::SignedOut {
                reason: SignOutReason::NotSignedIn,
            },
            last_error: None,
        }
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

    /// Ends the call on the bar; the agent is occupied until the next state event.
    fn end_call(&mut self, callid: Option<&str>, now_ms: u64) {
        if self.call.as_ref().is_some_and(|c| c.is(callid)) {
            self.call = None;
            self.set_agent(AgentState::Busy, now_ms);
        }
    }

    /// An agent-state event that waits for the call to end when one is up.
    fn set_agent_unless_in_call(&mut self, agent: AgentState, now_ms: u64) {
        if self.call.is_none() {
            self.set_agent(agent, now_ms);
        }
    }

    /// Folds one event into the state.
    pub fn apply(&mut self, event: &Event, now_ms: u64) {
        use EventKind::*;
        match &event.kind {
            InService => {
                self.call = None;
                self.busy_reason = None;
                self.set_agent(AgentState::SigningIn, now_ms);
            }
            Ready | ForceReady | CancelNotReadySuccess | CancelRestSuccess | CancelWorkSuccess => {
                self.call = None;
                self.busy_reason = None;
                self.set_agent(AgentState::Idle, now_ms);
            }
            SetNotReadySuccess { reason } => {
                self.busy_reason = reason.clone();
                self.set_agent_unless_in_call(AgentState::Busy, now_ms);
            }
            ForceSetNotReady => self.set_agent_unless_in_call(AgentState::Busy, now_ms),
            Busy => self.set_agent_unless_in_call(AgentState::Busy, now_ms),
            SetRestSuccess if self.call.is_none() => {
                self.set_agent(AgentState::Rest, now_ms);
                self.rest_overdue = false;
            }
            RestTimeout if self.agent == AgentState::Rest => self.rest_overdue = true,
            Work | SetWorkSuccess => self.set_agent_unless_in_call(AgentState::WrapUp, now_ms),
            Ringing(offer) | AutoAnswer(offer) => {
                let mut call = Call::from_offer(offer, now_ms);
                if let Some(old) = &self.call
                    && old.callid.is_some()
                    && old.callid == call.callid
                {
                    call.since_ms = old.since_ms;
                    call.calldata = old.calldata.clone();
                }
                self.call = Some(call);
                self.set_agent(AgentState::Ringing, now_ms);
            }
            Talking(t) => {
                let same = self
                    .call
                    .as_ref()
                    .is_some_and(|c| c.is(t.callid.as_deref()));
                if !same {
                    self.call = Some(Call::bare(t.callid.clone(), now_ms));
                }
                if let Some(c) = self.call.as_mut() {
                    c.held = false;
                    c.callid = c.callid.take().or_else(|| t.callid.clone());
                    c.caller = t.caller.clone().or(c.caller.take());
                    c.called = t.called.clone().or(c.called.take());
                    let dir = Direction::from_feature(t.feature.as_deref());
                    if dir != Direction::Unknown {
                        c.direction = dir;
                    }
                    let media = Media::from_ability(t.media_ability.as_deref());
                    if media != Media::Unknown {
                        c.media = media;
                    }
                }
                self.set_agent(AgentState::Talking, now_ms);
            }
            CustomerAlerting(a) if self.call.is_none() => {
                let mut c = Call::bare(a.callid.clone(), now_ms);
                c.direction = Direction::Outbound;
                c.called = a.other_phone.clone();
                self.call = Some(c);
                self.set_agent(AgentState::Ringing, now_ms);
            }
            Hold { callid } => {
                let same = self.call.as_ref().is_some_and(|c| c.is(callid.as_deref()));
                if !same {
                    self.call = Some(Call::bare(callid.clone(), now_ms));
                }
                if let Some(c) = self.call.as_mut() {
                    c.held = true;
                }
                self.set_agent(AgentState::Hold, now_ms);
            }
            CallRelease { callid }
            | CustomerRelease { callid, .. }
            | CallOutFail { callid }
            | NoAnswer { callid }
            | ConnectFail { callid } => self.end_call(callid.as_deref(), now_ms),
            ShutdownService { .. } => {
                self.call = None;
                self.busy_reason = None;
                self.set_agent(AgentState::SignedOut, now_ms);
            }
            _ => {}
        }
    }

    /// Sets what `agentstatus` (and `appdata`) told after a gap, keeping the
    /// call details already known when the gateway still reports a call.
    pub fn reconcile(&mut self, status: AgentStatus, calldata: Option<String>, now_ms: u64) {
        let agent = match status {
            AgentStatus::SignedOut => AgentState::SignedOut,
            AgentStatus::SigningIn => AgentState::SigningIn,
            AgentStatus::Idle => AgentState::Idle,
            AgentStatus::Busy => AgentState::Busy,
            AgentStatus::WrapUp => AgentState::WrapUp,
            AgentStatus::Rest | AgentStatus::PreRest => AgentState::Rest,
            AgentStatus::Talking => {
                if self.agent.in_call() {
                    self.agent
                } else {
                    AgentState::Talking
                }
            }
            AgentStatus::Unknown => return,
        };
        if agent.in_call() {
            let c = self.call.get_or_insert_with(|| Call::bare(None, now_ms));
            c.held = agent == AgentState::Hold;
            if let Some(d) = calldata {
                c.calldata = Some(CallData(d));
            }
        } else {
            self.call = None;
        }
        self.set_agent(agent, now_ms);
    }

    /// Records call data fetched for the current call.
    pub fn set_calldata(&mut self, callid: &str, calldata: String) {
        if let Some(c) = self.call.as_mut()
            && c.is(Some(callid))
        {
            c.calldata = Some(CallData(calldata));
        }
    }

    /// Records the connection health.
    pub fn set_health(&mut self, health: Health, now_ms: u64) {
        if let Health::SignedOut { .. } = health {
            self.call = None;
            self.busy_reason = None;
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
