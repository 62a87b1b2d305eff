//! What the connection bar shows, derived from the engine's bar state so no
//! face depends on engine internals. The page, the tray and notifications all
//! read the same [`BarView`] (kept by [`live`]); its [`Controls`] say once
//! which actions are usable now. The page's TypeScript types are generated
//! from these (`ui/src/bindings/`).

mod call;
pub mod controls;
pub mod live;

use serde::Serialize;
use ts_rs::TS;

#[cfg(test)]
pub use call::Media;
pub use call::{CallKind, CallPhase, CallView, Direction, NextStateView, RecentCall, TransferView};
pub use controls::Controls;

/// The agent states the bar and the tray show, one tray icon each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(rename = "AgentState")]
pub enum AgentStateView {
    Signedout,
    Idle,
    Busy,
    Ringing,
    Talking,
    Hold,
    Rest,
    Wrapup,
}

impl AgentStateView {
    /// The tray icon file name (without `.png`) and menu label for this state.
    pub fn tray(self) -> (&'static str, &'static str) {
        match self {
            Self::Signedout => ("signedout", "Signed out"),
            Self::Idle => ("idle", "Ready"),
            Self::Busy => ("busy", "Busy"),
            Self::Ringing => ("ringing", "Ringing"),
            Self::Talking => ("talking", "Talking"),
            Self::Hold => ("hold", "On hold"),
            Self::Rest => ("rest", "Resting"),
            Self::Wrapup => ("wrapup", "Wrap-up"),
        }
    }
}

/// Connection health, in the page's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum HealthKind {
    Signedout,
    Connecting,
    Connected,
    Reconnecting,
}

/// Where a reason on the bar comes from: a cause from the engine, put into
/// words in the current language whenever the bar is shown, or words said
/// once (already in the language of that moment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    Reconnect(agentgateway::ReconnectCause),
    SignedOut(agentgateway::bar::SignOutReason),
    /// Via the site relay: the gateway is connected, but the relay cannot be
    /// reached or refuses the subscription, so no event reaches the bar.
    RelayDown,
    Said(String),
}

impl Reason {
    /// The reason in words, in the current language.
    pub fn words(&self) -> Option<String> {
        match self {
            Reason::Reconnect(cause) => Some(crate::errors::reconnect_words(cause)),
            Reason::SignedOut(reason) => crate::errors::sign_out_words(reason),
            Reason::RelayDown => Some(crate::i18n::t("reconnect.relayDown").to_owned()),
            Reason::Said(text) => Some(text.clone()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "Health")]
pub struct HealthView {
    pub kind: HealthKind,
    /// When this health began (epoch ms).
    pub since: Option<u64>,
    /// Why: the reason for reconnecting or for being signed out, in plain
    /// words (`cause` in the current language, see [`localize`]).
    pub reason: Option<String>,
    #[serde(skip)]
    pub cause: Option<Reason>,
    /// The gateway in use, when connected.
    pub gateway: Option<String>,
}

/// An error the page shows; it branches on `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ErrorView {
    pub kind: String,
    /// `source` in words (see [`localize`]).
    pub message: String,
    #[serde(skip)]
    pub source: Option<agentgateway::bar::LastError>,
}

/// What the connection bar shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BarView {
    pub agent_id: Option<String>,
    pub state: AgentStateView,
    /// When the agent entered this state (epoch ms), for the running timer.
    pub state_since: Option<u64>,
    /// For `rest`: when the requested rest time ends (epoch ms).
    pub rest_until: Option<u64>,
    /// For `busy`: the reason code given.
    pub busy_reason: Option<String>,
    pub health: HealthView,
    /// The call the agent is on: talking, else ringing, else held.
    pub call: Option<CallView>,
    /// Every call of the agent's, oldest first (`call` among them).
    pub calls: Vec<CallView>,
    /// The state the agent asked for during the call.
    pub next: Option<NextStateView>,
    pub transfer: Option<TransferView>,
    /// The shift's finished calls, newest first.
    pub recent_calls: Vec<RecentCall>,
    pub last_error: Option<ErrorView>,
    /// Which actions the agent can take now.
    pub controls: Controls,
}

impl BarView {
    /// The bar before any sign-in, or after sign-out with `reason`.
    pub fn signed_out(reason: Option<String>, now_ms: u64) -> Self {
        Self {
            agent_id: None,
            state: AgentStateView::Signedout,
            state_since: None,
            rest_until: None,
            busy_reason: None,
            health: HealthView {
                kind: HealthKind::Signedout,
                since: Some(now_ms),
                cause: reason.clone().map(Reason::Said),
                reason,
                gateway: None,
            },
            call: None,
            calls: Vec::new(),
            next: None,
            transfer: None,
            recent_calls: Vec::new(),
            last_error: None,
            controls: Controls::NONE,
        }
    }
}

/// Via the site relay, with the subscription down since `since` (epoch ms):
/// a connected bar says it is reconnecting, and why. Any other health (the
/// gateway itself is the problem, or signed out) says more and stays.
pub fn relay_down(view: &mut BarView, since: u64) {
    if view.health.kind != HealthKind::Connected {
        return;
    }
    let cause = Reason::RelayDown;
    view.health = HealthView {
        kind: HealthKind::Reconnecting,
        since: Some(since),
        reason: cause.words(),
        cause: Some(cause),
        gateway: view.health.gateway.take(),
    };
}

/// Puts the reasons and the last error on the bar into the current language
/// (after a switch of language the same view reads in the new one).
pub fn localize(view: &mut BarView) {
    if let Some(cause) = &view.health.cause {
        view.health.reason = cause.words();
    }
    if let Some(error) = view.last_error.as_mut()
        && let Some(source) = &error.source
    {
        error.message = crate::errors::last_error_words(source);
    }
}

/// One event as the gateway sent it, with when AgentBar received it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EventRecord {
    /// Sequence number in this session, from 1.
    pub seq: u64,
    pub received_at: u64,
    pub event_type: String,
    /// The whole event object exactly as received.
    #[ts(type = "Record<string, unknown>")]
    pub raw: serde_json::Value,
}

/// Everything the page needs after a (re)load.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub bar: BarView,
    pub events: Vec<EventRecord>,
    pub settings: crate::settings::Settings,
    /// Whether a password is remembered in the keyring for the configured agent.
    pub password_remembered: bool,
}

/// The gateway's certificate, for confirmation at first contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CertificateView {
    /// SHA-256 of the certificate, lower-case hex.
    pub sha256: String,
    /// The host and port that presented it.
    pub subject: String,
    /// Whether the configured trust already accepts it.
    pub trusted: bool,
}

impl From<agentgateway::probe::PeerCertificate> for CertificateView {
    fn from(peer: agentgateway::probe::PeerCertificate) -> Self {
        Self {
            sha256: peer.sha256,
            subject: peer.subject,
            trusted: peer.trusted,
        }
    }
}

/// The application's name and version, for the page's "about" line.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct AppInfo {
    pub name: String,
    pub version: String,
}

/// What the page needs that the engine's state does not keep: when the call on
/// the bar was answered, when a requested rest ends, and call data the agent
/// just saved (the gateway sends no event for it).
#[derive(Debug, Default, Clone)]
pub struct ViewMemory {
    /// When each call on the bar was first seen talking.
    answered: Vec<(Option<String>, u64)>,
    rest_until: Option<u64>,
    saved_calldata: Option<(Option<String>, String)>,
}

impl ViewMemory {
    /// The agent asked for a rest of `seconds` at `now_ms`.
    pub fn rest_requested(&mut self, now_ms: u64, seconds: u32) {
        self.rest_until = Some(now_ms + u64::from(seconds) * 1000);
    }

    /// The agent saved `calldata` for the call `callid`.
    pub fn calldata_saved(&mut self, callid: Option<String>, calldata: String) {
        self.saved_calldata = Some((callid, calldata));
    }

    /// The call `callid`, answered at `answered_at`, is back on the bar after a restart.
    pub fn call_resumed(&mut self, callid: String, answered_at: u64) {
        self.answered.push((Some(callid), answered_at));
    }

    /// Forgets everything (a new session).
    pub fn clear(&mut self) {
        *self = Self::default();
    }
}

/// The page's view of the engine's bar state.
pub fn bar_view(
    state: &agentgateway::BarState,
    agent_id: Option<&str>,
    memory: &mut ViewMemory,
) -> BarView {
    use agentgateway::Health;
    use agentgateway::bar::AgentState;

    let agent = match state.agent {
        AgentState::SignedOut | AgentState::SigningIn => AgentStateView::Signedout,
        AgentState::Idle => AgentStateView::Idle,
        AgentState::Busy => AgentStateView::Busy,
        AgentState::Ringing => AgentStateView::Ringing,
        AgentState::Talking => AgentStateView::Talking,
        AgentState::Hold => AgentStateView::Hold,
        AgentState::WrapUp => AgentStateView::Wrapup,
        AgentState::Rest => AgentStateView::Rest,
    };
    let health = match &state.health {
        Health::Connected { gateway, .. } if state.agent == AgentState::SigningIn => HealthView {
            kind: HealthKind::Connecting,
            since: Some(state.since_ms),
            reason: None,
            cause: None,
            gateway: Some(gateway.clone()),
        },
        Health::Connected { gateway, .. } => HealthView {
            kind: HealthKind::Connected,
            since: None,
            reason: None,
            cause: None,
            gateway: Some(gateway.clone()),
        },
        Health::Reconnecting { since_ms, cause } => {
            let cause = Reason::Reconnect(cause.clone());
            HealthView {
                kind: HealthKind::Reconnecting,
                since: Some(*since_ms),
                reason: cause.words(),
                cause: Some(cause),
                gateway: None,
            }
        }
        Health::SignedOut { reason } => {
            let cause = Reason::SignedOut(reason.clone());
            HealthView {
                kind: HealthKind::Signedout,
                since: None,
                reason: cause.words(),
                cause: Some(cause),
                gateway: None,
            }
        }
    };

    if agent != AgentStateView::Rest {
        memory.rest_until = None;
    }
    memory
        .answered
        .retain(|(id, _)| state.calls.iter().any(|c| c.callid == *id));
    if !state
        .calls
        .iter()
        .any(|c| c.callid == memory.saved_calldata_id())
    {
        memory.saved_calldata = None;
    }
    let calls: Vec<CallView> = state
        .calls
        .iter()
        .map(|call| call::call_view(call, memory))
        .collect();
    let call = state.active_index().map(|i| calls[i].clone());
    let transfer = state.transfer.as_ref().map(|t| {
        use agentgateway::bar::TransferOutcome;
        let result = match t.outcome {
            TransferOutcome::Waiting => None,
            TransferOutcome::Failed { result } => Some(i32::try_from(result).unwrap_or(-1)),
        };
        TransferView {
            call_id: t.callid.clone(),
            failed: result.is_some(),
            result,
        }
    });
    let next = state.next.map(|n| match n {
        agentgateway::bar::NextState::Busy { .. } => NextStateView::Busy,
        agentgateway::bar::NextState::Rest { .. } => NextStateView::Rest,
    });

    let mut view = BarView {
        agent_id: agent_id.map(str::to_owned),
        state: agent,
        state_since: Some(state.since_ms),
        rest_until: memory.rest_until.filter(|_| agent == AgentStateView::Rest),
        busy_reason: state.busy_reason.clone(),
        health,
        call,
        calls,
        next,
        transfer,
        recent_calls: Vec::new(),
        last_error: state.last_error.as_ref().map(|e| ErrorView {
            kind: e.kind.clone(),
            message: crate::errors::last_error_words(e),
            source: Some(e.clone()),
        }),
        controls: Controls::NONE,
    };
    view.controls = Controls::of(&view);
    view
}

#[cfg(test)]
mod tests {
    use super::*;
    use agentgateway::{BarState, Event};

    fn event(json: serde_json::Value) -> Event {
        Event::from_json(json)
    }

    fn signed_in() -> BarState {
        let mut state = BarState::signed_out(0);
        state.set_health(
            agentgateway::Health::Connected {
                gateway: "https://gw/agentgateway/resource".into(),
                gateway_index: 0,
            },
            0,
        );
        state.apply(
            &event(
                serde_json::json!({"eventType":"AgentState_Ready","workNo":"101","content":null}),
            ),
            1_000,
        );
        state
    }

    #[test]
    fn an_answered_call_keeps_its_answer_time() {
        let mut memory = ViewMemory::default();
        let mut state = signed_in();
        state.apply(
            &event(serde_json::json!({"eventType":"AgentEvent_Ringing","workNo":"101","content":
                {"caller":"13800138000","called":"4001","callid":"c1","feature":"0","mediaAbility":"1"}})),
            2_000,
        );
        let ringing = bar_view(&state, Some("101"), &mut memory);
        assert_eq!(ringing.state, AgentStateView::Ringing);
        let call = ringing.call.expect("a call while ringing");
        assert_eq!(
            (call.caller.as_str(), call.direction, call.media),
            ("13800138000", Direction::Inbound, Media::Voice)
        );
        assert_eq!(call.answered_at, None);

        state.apply(
            &event(serde_json::json!({"eventType":"AgentEvent_Talking","workNo":"101","content":
                {"caller":"13800138000","called":"4001","callid":"c1","feature":"0","mediaAbility":"1"}})),
            5_000,
        );
        let talking = bar_view(&state, Some("101"), &mut memory);
        assert_eq!(
            talking.call.as_ref().and_then(|c| c.answered_at),
            Some(5_000)
        );
        state.apply(
            &event(
                serde_json::json!({"eventType":"AgentEvent_Hold","workNo":"101","content":"c1"}),
            ),
            9_000,
        );
        let held = bar_view(&state, Some("101"), &mut memory);
        assert_eq!(held.state, AgentStateView::Hold);
        assert_eq!(held.call.as_ref().and_then(|c| c.answered_at), Some(5_000));
        assert!(held.call.as_ref().is_some_and(|c| c.held));
    }

    #[test]
    fn saved_calldata_shows_until_the_call_ends() {
        let mut memory = ViewMemory::default();
        let mut state = signed_in();
        state.apply(
            &event(
                serde_json::json!({"eventType":"AgentEvent_Ringing","workNo":"101","content":
                {"caller":"1","called":"2","callid":"c9","feature":"0","mediaAbility":"1"}}),
            ),
            2_000,
        );
        memory.calldata_saved(Some("c9".into()), "order 42".into());
        let view = bar_view(&state, Some("101"), &mut memory);
        assert_eq!(
            view.call.and_then(|c| c.calldata).as_deref(),
            Some("order 42")
        );
    }

    #[test]
    fn rest_shows_its_end_only_while_resting() {
        let mut memory = ViewMemory::default();
        memory.rest_requested(10_000, 60);
        let mut state = signed_in();
        state.apply(
            &event(serde_json::json!({"eventType":"AgentState_SetRest_Success","workNo":"101","content":null})),
            10_100,
        );
        assert_eq!(bar_view(&state, None, &mut memory).rest_until, Some(70_000));
        state.apply(
            &event(serde_json::json!({"eventType":"AgentState_CancelRest_Success","workNo":"101","content":null})),
            20_000,
        );
        state.apply(
            &event(
                serde_json::json!({"eventType":"AgentState_Ready","workNo":"101","content":null}),
            ),
            20_001,
        );
        assert_eq!(bar_view(&state, None, &mut memory).rest_until, None);
    }

    #[test]
    fn a_relay_down_shows_on_a_connected_bar_only() {
        let mut memory = ViewMemory::default();
        let mut view = bar_view(&signed_in(), Some("101"), &mut memory);
        assert_eq!(view.health.kind, HealthKind::Connected);
        relay_down(&mut view, 42_000);
        assert_eq!(view.health.kind, HealthKind::Reconnecting);
        assert_eq!(view.health.since, Some(42_000));
        assert_eq!(
            view.health.reason.as_deref(),
            Some(crate::i18n::t("reconnect.relayDown"))
        );
        assert!(
            view.health
                .reason
                .as_deref()
                .unwrap_or_default()
                .contains("site relay")
        );
        assert_eq!(view.state, AgentStateView::Idle, "the agent's state stays");

        let mut state = signed_in();
        state.set_health(
            agentgateway::Health::Reconnecting {
                since_ms: 40_000,
                cause: agentgateway::ReconnectCause::Unreachable,
            },
            40_000,
        );
        let mut gateway_down = bar_view(&state, Some("101"), &mut memory);
        let before = gateway_down.health.clone();
        relay_down(&mut gateway_down, 42_000);
        assert_eq!(
            gateway_down.health, before,
            "the gateway's own trouble wins"
        );

        let mut signed_out = BarView::signed_out(None, 0);
        relay_down(&mut signed_out, 42_000);
        assert_eq!(signed_out.health.kind, HealthKind::Signedout);
    }

    #[test]
    fn a_gateway_sign_out_says_why() {
        let mut memory = ViewMemory::default();
        let mut state = signed_in();
        state.set_health(
            agentgateway::Health::SignedOut {
                reason: agentgateway::bar::SignOutReason::ByGateway {
                    retcode: "100-006".into(),
                },
            },
            30_000,
        );
        let view = bar_view(&state, Some("101"), &mut memory);
        assert_eq!(view.health.kind, HealthKind::Signedout);
        assert!(view.health.reason.unwrap_or_default().contains("100-006"));
    }
}
