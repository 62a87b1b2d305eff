//! Which of the agent's actions the bar offers now. The gateway refuses most
//! state changes during a call and Ready, Busy and Work while resting; the
//! page and the tray both show exactly what this says, so neither offers
//! what the gateway would refuse.

use serde::Serialize;
use ts_rs::TS;

use super::{AgentStateView, BarView, HealthKind};

/// How a control appears: usable, visible but not usable now, or not there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Availability {
    Enabled,
    Disabled,
    Hidden,
}

impl Availability {
    fn can(ok: bool) -> Self {
        if ok { Self::Enabled } else { Self::Disabled }
    }

    fn only(ok: bool) -> Self {
        if ok { Self::Enabled } else { Self::Hidden }
    }

    /// Whether the action can be taken now.
    pub fn is_enabled(self) -> bool {
        self == Self::Enabled
    }
}

/// The bar's actions and whether each is usable now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Controls {
    pub ready: Availability,
    pub busy: Availability,
    pub cancel_busy: Availability,
    pub rest: Availability,
    pub cancel_rest: Availability,
    pub work: Availability,
    pub cancel_work: Availability,
    pub answer: Availability,
    pub hang_up: Availability,
    pub hold: Availability,
    pub unhold: Availability,
    pub save_calldata: Availability,
    pub sign_out: Availability,
}

impl Controls {
    /// Nothing usable: the bar before sign-in.
    pub const NONE: Controls = Controls {
        ready: Availability::Disabled,
        busy: Availability::Disabled,
        cancel_busy: Availability::Hidden,
        rest: Availability::Disabled,
        cancel_rest: Availability::Hidden,
        work: Availability::Disabled,
        cancel_work: Availability::Hidden,
        answer: Availability::Hidden,
        hang_up: Availability::Hidden,
        hold: Availability::Hidden,
        unhold: Availability::Hidden,
        save_calldata: Availability::Hidden,
        sign_out: Availability::Hidden,
    };

    /// The four state actions are always there and usable where the gateway
    /// accepts them (not during a call, not while resting); a cancel shows
    /// only in its state; call actions show only where they apply. Sign-out
    /// is there whenever the bar is, and waits for the call to end.
    pub fn of(bar: &BarView) -> Controls {
        use AgentStateView as S;
        let s = bar.state;
        let call = bar.call.as_ref();
        let in_call = call.is_some() || matches!(s, S::Ringing | S::Talking | S::Hold);
        let free = s != S::Signedout && !in_call && s != S::Rest;
        let ringing = call.is_some() && s == S::Ringing;
        let held = call.is_some_and(|c| c.held);
        let bar_shown = s != S::Signedout || bar.health.kind != HealthKind::Signedout;
        Controls {
            ready: Availability::can(free && s != S::Idle),
            busy: Availability::can(free),
            cancel_busy: Availability::only(s == S::Busy && !in_call),
            rest: Availability::can(free),
            cancel_rest: Availability::only(s == S::Rest),
            work: Availability::can(free && s != S::Wrapup),
            cancel_work: Availability::only(s == S::Wrapup && !in_call),
            answer: Availability::only(ringing),
            hang_up: Availability::only(call.is_some()),
            hold: Availability::only(call.is_some() && !ringing && !held),
            unhold: Availability::only(held),
            save_calldata: Availability::only(call.is_some()),
            sign_out: match (bar_shown, call.is_some()) {
                (false, _) => Availability::Hidden,
                (true, true) => Availability::Disabled,
                (true, false) => Availability::Enabled,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::{CallView, Direction, HealthView, Media};
    use Availability::{Disabled, Enabled, Hidden};

    fn bar(state: AgentStateView, call: Option<CallView>) -> BarView {
        let mut bar = BarView::signed_out(None, 0);
        bar.agent_id = Some("1001".into());
        bar.state = state;
        bar.health = HealthView {
            kind: HealthKind::Connected,
            since: None,
            reason: None,
            cause: None,
            gateway: Some("https://gw".into()),
        };
        bar.call = call;
        bar
    }

    fn call(answered: bool, held: bool) -> Option<CallView> {
        Some(CallView {
            call_id: "c1".into(),
            caller: "+49 30 1234567".into(),
            called: "4001".into(),
            direction: Direction::Inbound,
            media: Media::Voice,
            held,
            since: 0,
            answered_at: answered.then_some(1),
            calldata: None,
        })
    }

    fn of(state: AgentStateView, call: Option<CallView>) -> Controls {
        Controls::of(&bar(state, call))
    }

    #[test]
    fn idle_offers_everything_but_ready_and_no_cancels_or_call_actions() {
        let c = of(AgentStateView::Idle, None);
        assert_eq!(
            [c.ready, c.busy, c.rest, c.work],
            [Disabled, Enabled, Enabled, Enabled]
        );
        assert_eq!(
            [c.cancel_busy, c.cancel_rest, c.cancel_work],
            [Hidden, Hidden, Hidden]
        );
        assert_eq!(
            [c.answer, c.hang_up, c.hold, c.unhold, c.save_calldata],
            [Hidden; 5]
        );
        assert_eq!(c.sign_out, Enabled);
    }

    #[test]
    fn busy_rest_and_wrap_up_show_their_own_cancel() {
        let busy = of(AgentStateView::Busy, None);
        assert_eq!([busy.cancel_busy, busy.ready], [Enabled, Enabled]);
        let rest = of(AgentStateView::Rest, None);
        assert_eq!(
            [
                rest.cancel_rest,
                rest.ready,
                rest.busy,
                rest.work,
                rest.cancel_busy
            ],
            [Enabled, Disabled, Disabled, Disabled, Hidden]
        );
        let work = of(AgentStateView::Wrapup, None);
        assert_eq!(
            [work.cancel_work, work.work, work.ready],
            [Enabled, Disabled, Enabled]
        );
    }

    #[test]
    fn ringing_offers_answer_and_hang_up_and_no_state_changes() {
        let c = of(AgentStateView::Ringing, call(false, false));
        assert_eq!(
            [c.answer, c.hang_up, c.hold, c.unhold],
            [Enabled, Enabled, Hidden, Hidden]
        );
        assert_eq!([c.ready, c.busy, c.rest, c.work], [Disabled; 4]);
        assert_eq!(c.sign_out, Disabled, "not during a call");
    }

    #[test]
    fn talking_offers_hold_and_held_offers_unhold() {
        let talking = of(AgentStateView::Talking, call(true, false));
        assert_eq!(
            [
                talking.answer,
                talking.hang_up,
                talking.hold,
                talking.unhold
            ],
            [Hidden, Enabled, Enabled, Hidden]
        );
        assert_eq!(talking.save_calldata, Enabled);
        let held = of(AgentStateView::Hold, call(true, true));
        assert_eq!([held.hold, held.unhold], [Hidden, Enabled]);
    }

    #[test]
    fn signed_out_offers_nothing() {
        let c = Controls::of(&BarView::signed_out(None, 0));
        assert_eq!(c, Controls::NONE);
        let all = [
            c.ready,
            c.busy,
            c.cancel_busy,
            c.rest,
            c.cancel_rest,
            c.work,
            c.cancel_work,
            c.answer,
            c.hang_up,
            c.hold,
            c.unhold,
            c.save_calldata,
            c.sign_out,
        ];
        assert!(all.iter().all(|a| !a.is_enabled()));
    }

    #[test]
    fn while_signing_in_only_sign_out_is_there() {
        let mut connecting = BarView::signed_out(None, 0);
        connecting.health.kind = HealthKind::Connecting;
        let c = Controls::of(&connecting);
        assert_eq!(c.sign_out, Enabled);
        assert_eq!([c.ready, c.busy, c.rest, c.work], [Disabled; 4]);
    }
}
