//! Which of the agent's actions the bar offers now. The gateway refuses most
//! state changes during a call, Ready, Busy and Work while resting, and
//! mute, hold, transfer, consult and keypad tones on internal, help and
//! conference calls; the page and the tray both show exactly what this
//! says, so neither offers what the gateway would refuse.

use serde::Serialize;
use ts_rs::TS;

use super::{AgentStateView, BarView, CallKind, CallPhase, CallView, HealthKind};

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
    /// Send the ringing call back to the queue, or release it.
    pub reject: Availability,
    pub hang_up: Availability,
    pub hold: Availability,
    pub unhold: Availability,
    pub mute: Availability,
    pub unmute: Availability,
    /// Keypad tones into the call.
    pub dtmf: Availability,
    /// Place a call (to a number or a colleague): no call up but held ones.
    pub dial: Availability,
    pub transfer: Availability,
    pub cancel_transfer: Availability,
    pub consult: Availability,
    /// Drop the consult call and go back to the held customer.
    pub take_back: Availability,
    /// Join the held customer and the consulted colleague.
    pub conference: Availability,
    /// Talk on a held call, holding the one up now.
    pub switch_call: Availability,
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
        reject: Availability::Hidden,
        hang_up: Availability::Hidden,
        hold: Availability::Hidden,
        unhold: Availability::Hidden,
        mute: Availability::Hidden,
        unmute: Availability::Hidden,
        dtmf: Availability::Hidden,
        dial: Availability::Disabled,
        transfer: Availability::Hidden,
        cancel_transfer: Availability::Hidden,
        consult: Availability::Hidden,
        take_back: Availability::Hidden,
        conference: Availability::Hidden,
        switch_call: Availability::Hidden,
        save_calldata: Availability::Hidden,
        sign_out: Availability::Hidden,
    };

    /// The four state actions are always there and usable where the gateway
    /// accepts them (not while resting; Busy and Rest during a call are
    /// taken for after it); a cancel shows only in its state; call actions
    /// show only where they apply, per the call's kind. Sign-out is there
    /// whenever the bar is, and waits for the calls to end.
    pub fn of(bar: &BarView) -> Controls {
        use AgentStateView as S;
        let s = bar.state;
        let call = bar.call.as_ref();
        let in_call = call.is_some() || matches!(s, S::Ringing | S::Talking | S::Hold);
        let signed_in = s != S::Signedout;
        let free = signed_in && !in_call && s != S::Rest;
        let ringing = call.is_some_and(|c| c.phase == CallPhase::Ringing);
        let talking = call.filter(|c| c.phase == CallPhase::Talking);
        let customer = talking.filter(|c| c.kind == CallKind::Customer);
        let held = call.is_some_and(|c| c.held);
        let held_customer = bar
            .calls
            .iter()
            .any(|c| c.held && c.kind == CallKind::Customer);
        let second = |c: &&CallView| !c.held && c.kind != CallKind::Customer;
        let consulting = bar.calls.iter().find(second);
        let waiting_transfer = bar.transfer.as_ref().is_some_and(|t| !t.failed);
        let only_held = bar.calls.iter().all(|c| c.held);
        let bar_shown = signed_in || bar.health.kind != HealthKind::Signedout;
        let later = signed_in && in_call && !ringing && s != S::Rest;
        Controls {
            ready: Availability::can(free && s != S::Idle),
            busy: Availability::can(free || later),
            cancel_busy: Availability::only(s == S::Busy && !in_call),
            rest: Availability::can(free || later),
            cancel_rest: Availability::only(s == S::Rest),
            work: Availability::can(free && s != S::Wrapup),
            cancel_work: Availability::only(s == S::Wrapup && !in_call),
            answer: Availability::only(ringing),
            reject: Availability::only(ringing),
            hang_up: Availability::only(call.is_some()),
            hold: Availability::only(customer.is_some()),
            unhold: Availability::only(held),
            mute: Availability::only(customer.is_some_and(|c| !c.muted)),
            unmute: Availability::only(call.is_some_and(|c| c.muted)),
            dtmf: Availability::only(customer.is_some()),
            dial: Availability::can(signed_in && s != S::Rest && only_held),
            transfer: Availability::only(customer.is_some() && !waiting_transfer),
            cancel_transfer: Availability::only(waiting_transfer),
            consult: Availability::only(customer.is_some() && bar.calls.len() == 1),
            take_back: Availability::only(held_customer && consulting.is_some()),
            conference: Availability::only(
                held_customer && consulting.is_some_and(|c| c.phase == CallPhase::Talking),
            ),
            switch_call: Availability::only(
                talking.is_some() && bar.calls.iter().any(|c| c.held) && consulting.is_none(),
            ),
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
    use crate::view::{Direction, HealthView, Media};
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
        bar.calls = call.clone().into_iter().collect();
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
            phase: match (answered, held) {
                (false, _) => CallPhase::Ringing,
                (true, false) => CallPhase::Talking,
                (true, true) => CallPhase::Held,
            },
            kind: CallKind::Customer,
            held,
            muted: false,
            parties: Vec::new(),
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
    fn ringing_offers_reject_and_talking_offers_the_call_controls() {
        let ringing = of(AgentStateView::Ringing, call(false, false));
        assert_eq!(
            [ringing.reject, ringing.mute, ringing.transfer],
            [Enabled, Hidden, Hidden]
        );
        assert_eq!(ringing.dial, Disabled);
        let talking = of(AgentStateView::Talking, call(true, false));
        assert_eq!(
            [
                talking.mute,
                talking.unmute,
                talking.dtmf,
                talking.transfer,
                talking.consult
            ],
            [Enabled, Hidden, Enabled, Enabled, Enabled]
        );
        assert_eq!(
            [talking.busy, talking.rest],
            [Enabled, Enabled],
            "for after the call"
        );
        assert_eq!([talking.dial, talking.ready, talking.work], [Disabled; 3]);
        let idle = of(AgentStateView::Idle, None);
        assert_eq!(idle.dial, Enabled);
    }

    #[test]
    fn internal_and_help_calls_offer_no_call_control() {
        for kind in [CallKind::Internal, CallKind::Consult, CallKind::Conference] {
            let mut c = call(true, false);
            if let Some(c) = c.as_mut() {
                c.kind = kind;
            }
            let controls = of(AgentStateView::Talking, c);
            assert_eq!(
                [
                    controls.mute,
                    controls.hold,
                    controls.transfer,
                    controls.consult,
                    controls.dtmf
                ],
                [Hidden; 5],
                "{kind:?}"
            );
            assert_eq!(controls.hang_up, Enabled);
        }
    }

    #[test]
    fn a_consult_offers_take_back_and_three_way_and_a_held_call_can_be_dialled_past() {
        let customer = call(true, true).map(|mut c| {
            c.call_id = "cust".into();
            c
        });
        let help = call(true, false).map(|mut c| {
            c.call_id = "help".into();
            c.kind = CallKind::Consult;
            c
        });
        let mut b = bar(AgentStateView::Talking, help.clone());
        b.calls = customer.clone().into_iter().chain(help).collect();
        let c = Controls::of(&b);
        assert_eq!(
            [
                c.take_back,
                c.conference,
                c.switch_call,
                c.consult,
                c.transfer
            ],
            [Enabled, Enabled, Hidden, Hidden, Hidden]
        );
        let held_only = of(AgentStateView::Hold, customer);
        assert_eq!([held_only.dial, held_only.unhold], [Enabled, Enabled]);
    }

    #[test]
    fn mute_shows_unmute_and_a_waiting_transfer_can_be_cancelled() {
        let mut muted = bar(
            AgentStateView::Talking,
            call(true, false).map(|mut c| {
                c.muted = true;
                c
            }),
        );
        let c = Controls::of(&muted);
        assert_eq!([c.mute, c.unmute], [Hidden, Enabled]);
        muted.transfer = Some(crate::view::TransferView {
            call_id: Some("c1".into()),
            failed: false,
            result: None,
        });
        let c = Controls::of(&muted);
        assert_eq!([c.transfer, c.cancel_transfer], [Hidden, Enabled]);
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
