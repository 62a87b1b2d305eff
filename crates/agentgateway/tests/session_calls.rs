//! Several calls at once, through the engine against the simulator: the bar
//! state keeps the held customer beside a consult call, takes a conference
//! in, shows a failed transfer with the customer still there, and follows
//! a mute the gateway sends no event for.

mod common;

use std::time::Duration;

use agentgateway::bar::{AgentState, BarState, CallKind, CallPhase, TransferOutcome};
use agentgateway::client::{CallOut, CallTarget, Consult, TransferHow};
use agentgateway::engine::Update;
use agentgateway_sim::{CallTimings, Colleague, QueueCall, SimConfig};
use common::*;

/// The simulator with an idle colleague (102) who answers at once and one
/// (103) who never does.
async fn site() -> agentgateway_sim::Simulator {
    let sim = start(SimConfig {
        calls: CallTimings {
            answer_after: Duration::from_millis(100),
            fail_after: Duration::from_millis(100),
            no_answer_after: Duration::from_millis(700),
            colleague_answer_after: Duration::from_millis(100),
            ivr_return_after: Duration::from_secs(1),
        },
        ..quick_config()
    })
    .await;
    let ctl = sim.control();
    ctl.set_colleague(
        "102",
        Colleague {
            answer_after_ms: Some(50),
            ..Colleague::default()
        },
    )
    .expect("colleague 102");
    ctl.set_colleague(
        "103",
        Colleague {
            never_answer: true,
            ..Colleague::default()
        },
    )
    .expect("colleague 103");
    sim
}

/// Waits until the bar state satisfies `pick`.
async fn state_where(
    s: &agentgateway::Session,
    what: &str,
    pick: impl Fn(&BarState) -> bool,
) -> BarState {
    let mut rx = s.watch_state();
    let wait = async {
        loop {
            let now = rx.borrow_and_update().clone();
            if pick(&now) {
                return now;
            }
            rx.changed().await.expect("session alive");
        }
    };
    tokio::time::timeout(Duration::from_secs(10), wait)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}: {:#?}", s.state()))
}

/// Signs agent 101 in and puts a queue call from a customer on its bar, talking.
async fn customer_on_the_bar(sim: &agentgateway_sim::Simulator) -> (agentgateway::Session, String) {
    let s = session(sim, "101");
    let mut sub = s.subscribe();
    s.sign_in(sign_in_req("101"), false).await.expect("sign in");
    let mut seen = Vec::new();
    wait_for(&mut sub, &mut seen, Duration::from_secs(10), |u| {
        matches!(u, Update::Health(agentgateway::Health::Connected { .. })).then_some(())
    })
    .await;
    let callid = sim
        .control()
        .queue_call(
            1,
            QueueCall {
                caller: "13800138000".into(),
                called: "4001".into(),
                ..QueueCall::default()
            },
        )
        .expect("a queue call");
    let st = state_where(&s, "the customer talking", |b| {
        b.call(&callid)
            .is_some_and(|c| c.phase == CallPhase::Talking)
    })
    .await;
    assert_eq!(st.agent, AgentState::Talking);
    (s, callid)
}

#[tokio::test]
async fn a_consult_keeps_the_held_customer_and_a_conference_takes_it_in() {
    let sim = site().await;
    let (s, customer) = customer_on_the_bar(&sim).await;
    let help = s
        .client()
        .consult(&Consult {
            target: CallTarget::Agent("102".into()),
            three_party: false,
        })
        .await
        .expect("consult 102");
    let st = state_where(&s, "a consult beside the held customer", |b| {
        b.calls.len() == 2
            && b.call(&customer).is_some_and(|c| c.is_held())
            && b.calls
                .iter()
                .any(|c| c.callid != Some(customer.clone()) && c.phase == CallPhase::Talking)
    })
    .await;
    let consult = st
        .calls
        .iter()
        .find(|c| c.callid.as_deref() != Some(customer.as_str()))
        .expect("the consult call");
    if let Some(id) = &help {
        assert_eq!(consult.callid.as_ref(), Some(id), "the help call's ID");
    }
    assert_eq!(consult.kind, CallKind::Consult);
    assert_eq!(st.call(&customer).map(|c| c.kind), Some(CallKind::Customer));
    assert_eq!(st.agent, AgentState::Talking);

    s.client().conf_join(&customer).await.expect("three-way");
    let st = state_where(&s, "one conference", |b| {
        b.calls.len() == 1 && b.calls[0].kind == CallKind::Conference
    })
    .await;
    assert_eq!(st.calls[0].callid.as_deref(), Some(customer.as_str()));
    assert!(
        !st.calls[0].parties.is_empty(),
        "the parties: {:?}",
        st.calls[0]
    );
    s.client().release().await.expect("hang up");
    state_where(&s, "no call", |b| b.calls.is_empty()).await;
    s.sign_out(false).await.expect("sign out");
}

#[tokio::test]
async fn a_transfer_nobody_answers_leaves_the_customer_and_mute_shows() {
    let sim = site().await;
    let (s, customer) = customer_on_the_bar(&sim).await;

    // As the bar does: waiting is noted before asking, as the outcome may
    // come before the answer.
    s.note(|b, now| b.transfer_waiting(Some(customer.clone()), now));
    s.client()
        .transfer_to(&CallTarget::Agent("103".into()), TransferHow::WaitForAnswer)
        .await
        .expect("transfer to 103, waiting for the answer");
    let st = state_where(&s, "the transfer to fail", |b| {
        matches!(
            b.transfer.as_ref().map(|t| t.outcome),
            Some(TransferOutcome::Failed { .. })
        )
    })
    .await;
    assert_eq!(
        st.agent,
        AgentState::Talking,
        "the customer is still with the agent"
    );
    assert!(st.call(&customer).is_some());

    s.client().begin_mute().await.expect("mute");
    s.note(|b, _| b.set_muted(true));
    assert!(s.state().call(&customer).is_some_and(|c| c.muted));
    s.client().end_mute().await.expect("unmute");
    s.note(|b, _| b.set_muted(false));
    assert!(s.state().call(&customer).is_some_and(|c| !c.muted));

    // The same customer to a colleague who answers: the call leaves the bar.
    s.client()
        .transfer_to(&CallTarget::Agent("102".into()), TransferHow::WaitForAnswer)
        .await
        .expect("transfer to 102");
    state_where(&s, "the call gone to 102", |b| b.calls.is_empty()).await;
    assert!(
        sim.control()
            .calls("102")
            .iter()
            .any(|c| c.caller == "13800138000"),
        "102 has the customer: {:?}",
        sim.control().calls("102")
    );
    s.sign_out(false).await.expect("sign out");
}

#[tokio::test]
async fn an_outbound_call_fails_or_talks_by_the_number() {
    let sim = site().await;
    let s = session(&sim, "101");
    let mut sub = s.subscribe();
    s.sign_in(sign_in_req("101"), false).await.expect("sign in");
    state_where(&s, "idle", |b| b.agent == AgentState::Idle).await;

    s.client()
        .call_out(&CallOut::to("0001234"))
        .await
        .expect("the gateway takes the call");
    let mut seen = Vec::new();
    wait_event(&mut sub, &mut seen, "AgentEvent_Call_Out_Fail").await;
    state_where(&s, "the failed call gone", |b| {
        b.calls.is_empty() && b.agent == AgentState::Idle
    })
    .await;

    let id = s
        .client()
        .call_out(&CallOut::to("13800138000"))
        .await
        .expect("call out");
    let st = state_where(&s, "an outbound call talking", |b| {
        b.calls.len() == 1 && b.calls[0].phase == CallPhase::Talking
    })
    .await;
    assert_eq!(
        st.calls[0].direction,
        agentgateway::bar::Direction::Outbound
    );
    if let Some(id) = id {
        assert_eq!(st.calls[0].callid.as_deref(), Some(id.as_str()));
    }
    s.client().release().await.expect("hang up");
    state_where(&s, "no call", |b| b.calls.is_empty()).await;
    s.sign_out(false).await.expect("sign out");
}
