//! Unit tests of the state machine: one session at a time, effects read
//! back instead of carried out.

use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::{
    call::{Call, Peer, Phase, feature},
    calls::{Env, Op},
    effects::{Delay, Effect, Timer},
    guid::GuidBook,
    legs::End,
    session::{Records, Session},
};
use crate::site::{NumberFate, Site};

fn session(agent: &str) -> Session {
    let guids = GuidBook::new("g".repeat(8), tokio::time::Instant::now());
    let mut s = Session::new(
        agent,
        guids,
        Arc::new(Mutex::new(Records::default())),
        CancellationToken::new(),
    );
    s.autoanswer = false;
    s
}

fn types(s: &Session) -> Vec<String> {
    let records = crate::sync::lock(&s.records);
    records
        .emitted
        .iter()
        .map(|e| {
            serde_json::from_str::<Value>(e).unwrap()["eventType"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

fn with_env<T>(available: &[&str], f: impl FnOnce(&Env<'_>) -> T) -> T {
    let site = Site::demo();
    let fate = |n: &str| site.fate_by_prefix(n);
    let env = Env {
        site: &site,
        new_callid: "9-1".to_owned(),
        available: available
            .iter()
            .map(|a| ((*a).to_owned(), vec![1, 2]))
            .collect(),
        fate: &fate,
    };
    f(&env)
}

fn customer_call(id: &str) -> Call {
    let mut call = Call::new(id, "+4930", "4001", Phase::Ringing, feature::INBOUND);
    call.peers.push(Peer::Customer {
        number: "+4930".into(),
    });
    call
}

#[test]
fn status_reads_7_in_a_call_and_9_with_a_deferred_busy() {
    let mut s = session("101");
    s.offer(customer_call("1-1"));
    assert_eq!(
        s.status_code(),
        4,
        "ringing alone does not occupy the agent"
    );
    with_env(&[], |env| s.apply(Op::Answer, env)).unwrap();
    assert_eq!(s.status_code(), 7);
    with_env(&[], |env| s.apply(Op::Hold, env)).unwrap();
    assert_eq!(s.status_code(), 7, "a held call still counts");
    with_env(&[], |env| s.apply(Op::SayBusy { reason: Some(201) }, env)).unwrap();
    assert_eq!(s.status_code(), 9);
    s.end_call(
        "1-1",
        End::Remote {
            number: "+4930".into(),
        },
    );
    s.settle(true);
    assert_eq!(s.status_code(), 3);
    assert_eq!(
        types(&s).last().map(String::as_str),
        Some("AgentState_SetNotReady_Success")
    );
}

#[test]
fn a_refused_operation_changes_nothing() {
    let mut s = session("101");
    s.offer(customer_call("1-1"));
    let before = types(&s);
    for op in [
        Op::Hold,
        Op::CancelTransfer,
        Op::Mute { on: true },
        Op::ConfJoin {
            callid: "1-1".into(),
        },
    ] {
        assert!(
            with_env(&[], |env| s.apply(op.clone(), env)).is_err(),
            "{op:?}"
        );
    }
    assert_eq!(types(&s), before);
    assert_eq!(s.calls.len(), 1);
    assert!(s.effects.is_empty());
}

#[test]
fn an_internal_call_offers_a_leg_and_connects_when_it_is_answered() {
    let mut a = session("101");
    let result = with_env(&["102"], |env| {
        a.apply(
            Op::CallInner {
                called: "102".into(),
            },
            env,
        )
    })
    .unwrap();
    assert_eq!(result.result, Value::String("9-1".into()));
    let Some(Effect::Offer { agent, call, .. }) = a.effects.first().cloned() else {
        panic!("{:?}", a.effects)
    };
    assert_eq!(
        (agent.as_str(), call.origin.as_deref(), call.feature),
        ("102", Some("101"), "6")
    );
    assert!(a.effects.contains(&Effect::Timer {
        delay: Delay::NoAnswer,
        timer: Timer::RingTimeout {
            callid: "9-1".into()
        }
    }));
    a.effects.clear();

    let mut b = session("102");
    b.offer(*call);
    assert!(b.answer_call("9-1"));
    assert_eq!(
        b.effects,
        [Effect::LegAnswered {
            agent: "101".into(),
            callid: "9-1".into()
        }]
    );
    a.leg_answered("9-1");
    assert_eq!(a.call("9-1").unwrap().phase, Phase::Talking);

    // B hangs up: A learns it from a PeerLeft; the leg is no unanswered offer.
    b.effects.clear();
    b.end_call("9-1", End::Agent);
    assert_eq!(
        b.effects,
        [Effect::PeerLeft {
            agent: "101".into(),
            callid: "9-1".into(),
            who: Peer::Agent {
                workno: "102".into(),
                leg: "9-1".into()
            }
        }]
    );
}

#[test]
fn an_offer_refused_before_answering_fails_the_caller_only() {
    let mut b = session("102");
    let mut leg = Call::new("9-1", "101", "102", Phase::Ringing, feature::INTERNAL);
    leg.origin = Some("101".into());
    leg.peers.push(Peer::Agent {
        workno: "101".into(),
        leg: "9-1".into(),
    });
    b.offer(leg);
    with_env(&[], |env| {
        b.apply(
            Op::Reject {
                callid: None,
                mode: 2,
            },
            env,
        )
    })
    .unwrap();
    assert_eq!(
        b.effects,
        [Effect::LegFailed {
            agent: "101".into(),
            callid: "9-1".into()
        }]
    );
    assert_eq!(
        types(&b),
        [
            "AgentEvent_Ringing",
            "AgentEvent_Call_Release",
            "AgentOther_PhoneRelease",
            "AgentState_Ready"
        ]
    );
}

#[test]
fn a_callout_to_a_failing_number_fails_after_its_delay() {
    let mut s = session("101");
    with_env(&[], |env| {
        s.apply(
            Op::CallOut {
                called: "000".into(),
                caller: None,
                skill: None,
                calldata: None,
                media_ability: None,
            },
            env,
        )
    })
    .unwrap();
    assert_eq!(
        s.effects,
        [Effect::Timer {
            delay: Delay::Fail,
            timer: Timer::FarEndFails {
                callid: "9-1".into()
            }
        }]
    );
    assert_eq!(Site::demo().fate_by_prefix("000"), NumberFate::Invalid);
    s.fire(Timer::FarEndFails {
        callid: "9-1".into(),
    });
    assert_eq!(
        types(&s),
        [
            "AgentState_Busy",
            "AgentEvent_Call_Out_Fail",
            "AgentState_Ready"
        ]
    );
    assert!(s.calls.is_empty());
}
