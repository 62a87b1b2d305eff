//! The live state of the shell, owned here and written only through [`Live`]:
//! the bar as shown, the recent events, the connection timeline, what the view
//! remembers beyond the engine's state, and the settings in force. The bar is
//! published on a `watch` channel that the page, the tray and notifications
//! follow, so all three show the same thing and none of them is called by
//! the code that changes it.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use agentgateway::BarState;
use agentgateway::engine::now_ms;
use serde::Serialize;
use tokio::sync::watch;

use super::{BarView, EventRecord, HealthKind, HealthView, ViewMemory, bar_view, relay_down};
use crate::recent::RecentCalls;
use crate::settings::Settings;

/// How many recent events the app keeps for the page.
pub const RECENT_EVENTS: usize = 200;
/// How many connection-health changes the timeline keeps.
const TIMELINE_LEN: usize = 500;

/// What the faces follow: the bar as shown, and how many rests have timed
/// out so far (a count, so a follower that skips a value misses none).
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub bar: BarView,
    pub rests_over: u64,
}

/// One change of the connection's health, for diagnostics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub at: u64,
    pub health: HealthKind,
    pub reason: Option<String>,
    pub gateway: Option<String>,
}

impl TimelineEntry {
    pub fn of(health: &HealthView, at: u64) -> Self {
        Self {
            at,
            health: health.kind,
            reason: health.reason.clone(),
            gateway: health.gateway.clone(),
        }
    }
}

#[derive(Debug)]
struct State {
    /// The agent of the session on the bar.
    agent: Option<String>,
    timeline: VecDeque<TimelineEntry>,
    events: VecDeque<EventRecord>,
    next_seq: u64,
    memory: ViewMemory,
    settings: Settings,
    recent: RecentCalls,
    /// Via the site relay: since when the subscription is down (epoch ms).
    relay_down_since: Option<u64>,
}

/// The shell's live state (managed Tauri state).
#[derive(Debug)]
pub struct Live {
    state: Mutex<State>,
    shown: watch::Sender<Shown>,
}

impl Live {
    pub fn new(settings: Settings, recent: RecentCalls) -> Self {
        let (shown, _) = watch::channel(Shown {
            bar: BarView::signed_out(None, now_ms()),
            rests_over: 0,
        });
        Self {
            state: Mutex::new(State {
                agent: None,
                timeline: VecDeque::new(),
                events: VecDeque::new(),
                next_seq: 0,
                memory: ViewMemory::default(),
                settings,
                recent,
                relay_down_since: None,
            }),
            shown,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Follows the bar as shown, from its current value on.
    pub fn subscribe(&self) -> watch::Receiver<Shown> {
        self.shown.subscribe()
    }

    /// The bar as shown now.
    pub fn bar(&self) -> BarView {
        self.shown.borrow().bar.clone()
    }

    pub fn settings(&self) -> Settings {
        self.lock().settings.clone()
    }

    pub fn set_settings(&self, settings: Settings) {
        self.lock().settings = settings;
    }

    /// The recent events, newest first.
    pub fn events(&self) -> Vec<EventRecord> {
        self.lock().events.iter().cloned().collect()
    }

    /// The connection timeline, oldest first.
    pub fn timeline(&self) -> Vec<TimelineEntry> {
        self.lock().timeline.iter().cloned().collect()
    }

    /// A new session of `agent` begins: nothing remembered from the last one.
    pub fn begin(&self, agent: &str) {
        let mut state = self.lock();
        state.agent = Some(agent.to_owned());
        state.memory.clear();
        state.relay_down_since = None;
    }

    /// Via the site relay: the subscription is down since `since` (epoch
    /// ms), or up again (`None`). Shown with the next [`Live::show_state`].
    pub fn set_relay_down(&self, since: Option<u64>) {
        self.lock().relay_down_since = since;
    }

    /// Records an event as received; returns the record for the page.
    pub fn record(&self, event_type: String, raw: serde_json::Value) -> EventRecord {
        let mut state = self.lock();
        state.next_seq += 1;
        let record = EventRecord {
            seq: state.next_seq,
            received_at: now_ms(),
            event_type,
            raw,
        };
        state.events.push_front(record.clone());
        state.events.truncate(RECENT_EVENTS);
        record
    }

    /// Shows the engine's `state`; `rest_over` when the gateway just reported
    /// that the rest time is over. Returns the bar as shown.
    pub fn show_state(&self, engine: &BarState, rest_over: bool) -> BarView {
        let mut state = self.lock();
        let State {
            agent,
            memory,
            recent,
            relay_down_since,
            ..
        } = &mut *state;
        let mut view = bar_view(engine, agent.as_deref(), memory);
        if let Some(since) = *relay_down_since {
            relay_down(&mut view, since);
        }
        recent.follow(&self.shown.borrow().bar.calls, &view.calls);
        view.recent_calls = recent.list();
        self.show(&mut state, view.clone(), rest_over);
        view
    }

    /// Shows the signed-out bar (after the agent's sign-out, or with `reason`).
    pub fn show_signed_out(&self, reason: Option<String>) {
        let mut state = self.lock();
        state.memory.clear();
        state.relay_down_since = None;
        let mut view = BarView::signed_out(reason, now_ms());
        view.recent_calls = state.recent.list();
        self.show(&mut state, view, false);
    }

    /// The agent signed out: the recent calls go too, unless the agent keeps them.
    pub fn agent_signed_out(&self) {
        {
            let mut state = self.lock();
            if !state.settings.keep_recent_calls {
                state.recent.clear();
            }
        }
        self.show_signed_out(None);
    }

    /// Shows the same bar again, for followers to put it into words anew
    /// (after a change of language).
    pub fn show_again(&self) {
        self.shown.send_modify(|_| {});
    }

    /// The agent asked for a rest of `seconds`, now.
    pub fn rest_requested(&self, seconds: u32) {
        self.lock().memory.rest_requested(now_ms(), seconds);
    }

    /// The agent saved `calldata` for the call `callid`; the gateway sends no
    /// event for it, so the bar shows `engine` again with it.
    pub fn calldata_saved(&self, callid: String, calldata: String, engine: &BarState) {
        self.lock().memory.calldata_saved(Some(callid), calldata);
        self.show_state(engine, false);
    }

    /// The call `callid`, answered at `answered_at`, is back on the bar after a restart.
    pub fn call_resumed(&self, callid: String, answered_at: u64) {
        self.lock().memory.call_resumed(callid, answered_at);
    }

    /// Publishes `view` unless it is what is shown already; health changes
    /// go on the timeline.
    fn show(&self, state: &mut State, view: BarView, rest_over: bool) {
        self.shown.send_if_modified(|shown| {
            if view.health.kind != shown.bar.health.kind
                || view.health.reason != shown.bar.health.reason
            {
                state
                    .timeline
                    .push_back(TimelineEntry::of(&view.health, now_ms()));
                if state.timeline.len() > TIMELINE_LEN {
                    state.timeline.pop_front();
                }
            }
            if shown.bar == view && !rest_over {
                return false;
            }
            shown.bar = view;
            shown.rests_over += u64::from(rest_over);
            true
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn followers_see_changes_only() {
        let live = Live::new(Settings::default(), RecentCalls::default());
        let mut shown = live.subscribe();
        let engine = BarState::signed_out(0);
        live.show_state(&engine, false);
        assert!(shown.has_changed().unwrap_or(false));
        shown.mark_unchanged();
        live.show_state(&engine, false);
        assert!(!shown.has_changed().unwrap_or(true), "the same bar again");
        live.show_state(&engine, true);
        assert!(shown.has_changed().unwrap_or(false), "the rest is over");
        assert_eq!(shown.borrow_and_update().rests_over, 1);
        live.show_again();
        assert!(shown.has_changed().unwrap_or(false), "shown again in words");
    }

    #[test]
    fn the_timeline_keeps_health_changes() {
        let live = Live::new(Settings::default(), RecentCalls::default());
        live.show_signed_out(Some("The gateway signed you out".into()));
        live.show_signed_out(None);
        let timeline = live.timeline();
        assert_eq!(timeline.len(), 2);
        assert_eq!(
            timeline[0].reason.as_deref(),
            Some("The gateway signed you out")
        );
    }

    #[test]
    fn a_relay_down_is_shown_until_it_is_up_or_a_new_session_begins() {
        let live = Live::new(Settings::default(), RecentCalls::default());
        let mut engine = BarState::signed_out(0);
        engine.set_health(
            agentgateway::Health::Connected {
                gateway: "https://gw/agentgateway/resource".into(),
                gateway_index: 0,
            },
            0,
        );
        engine.apply(
            &agentgateway::Event::from_json(
                serde_json::json!({"eventType":"AgentState_Ready","workNo":"101","content":null}),
            ),
            1,
        );
        assert_eq!(
            live.show_state(&engine, false).health.kind,
            HealthKind::Connected
        );
        live.set_relay_down(Some(5));
        let down = live.show_state(&engine, false);
        assert_eq!(down.health.kind, HealthKind::Reconnecting);
        assert_eq!(down.health.since, Some(5));
        live.set_relay_down(None);
        assert_eq!(
            live.show_state(&engine, false).health.kind,
            HealthKind::Connected
        );
        live.set_relay_down(Some(7));
        live.begin("101");
        assert_eq!(
            live.show_state(&engine, false).health.kind,
            HealthKind::Connected,
            "a new session starts with the relay not known to be down"
        );
        let kinds: Vec<_> = live.timeline().iter().map(|e| e.health).collect();
        assert_eq!(
            kinds,
            [
                HealthKind::Connected,
                HealthKind::Reconnecting,
                HealthKind::Connected
            ]
        );
    }

    #[test]
    fn events_are_numbered_and_capped() {
        let live = Live::new(Settings::default(), RecentCalls::default());
        for _ in 0..RECENT_EVENTS + 5 {
            live.record("AgentState_Ready".into(), serde_json::json!({}));
        }
        let events = live.events();
        assert_eq!(events.len(), RECENT_EVENTS);
        assert_eq!(events[0].seq, (RECENT_EVENTS + 5) as u64);
    }
}
