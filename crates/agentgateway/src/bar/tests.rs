//! Unit tests per event family, and a property test over random sequences.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

fn ev(event_type: &str, content: Value) -> Event {
    Event::from_json(json!({"eventType": event_type, "workNo": "101", "content": content}))
}

fn ringing(callid: &str) -> Event {
    ev(
        "AgentEvent_Ringing",
        json!({"caller":"5551","called":"7001","callid":callid,"transfer":"no",
               "type":"main","mediaAbility":"1","feature":"0"}),
    )
}

fn signed_in(now: u64) -> BarState {
    let mut s = BarState::signed_out(0);
    s.apply(&ev("AgentOther_InService", Value::Null), now);
    s.apply(&ev("AgentState_Ready", Value::Null), now);
    s
}

fn consistent(s: &BarState) -> Result<(), String> {
    if s.calls.is_empty() == s.agent.in_call() {
        return Err(format!("{} calls with agent {:?}", s.calls.len(), s.agent));
    }
    let all_held = !s.calls.is_empty() && s.calls.iter().all(Call::is_held);
    if all_held != (s.agent == AgentState::Hold) {
        return Err(format!("all held {all_held} with agent {:?}", s.agent));
    }
    let talking = s.calls.iter().any(|c| c.phase == CallPhase::Talking);
    if talking != (s.agent == AgentState::Talking) {
        return Err(format!("a talking call {talking} with agent {:?}", s.agent));
    }
    let mut ids: Vec<&str> = s.calls.iter().filter_map(|c| c.callid.as_deref()).collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() != n {
        return Err(format!("a call ID twice: {:?}", s.calls));
    }
    if s.agent == AgentState::SignedOut && !s.calls.is_empty() {
        return Err("a call while signed out".into());
    }
    if s.transfer.is_some() && s.calls.is_empty() {
        return Err("a transfer without a call".into());
    }
    if s.rest_overdue && s.agent != AgentState::Rest {
        return Err("rest overdue while not resting".into());
    }
    Ok(())
}

fn only(s: &BarState) -> Call {
    assert_eq!(s.calls.len(), 1, "one call: {:?}", s.calls);
    s.calls[0].clone()
}

#[test]
fn sign_in_goes_signing_in_then_idle() {
    let mut s = BarState::signed_out(0);
    s.apply(&ev("AgentOther_InService", Value::Null), 10);
    assert_eq!((s.agent, s.since_ms), (AgentState::SigningIn, 10));
    s.apply(&ev("AgentState_Ready", Value::Null), 20);
    assert_eq!((s.agent, s.since_ms), (AgentState::Idle, 20));
    // The same state again does not reset "since".
    s.apply(&ev("AgentState_Ready", Value::Null), 30);
    assert_eq!(s.since_ms, 20);
}

#[test]
fn busy_rest_and_wrap_up_family() {
    let mut s = signed_in(1);
    s.apply(
        &ev("AgentState_SetNotReady_Success", json!({"reason":"201"})),
        5,
    );
    assert_eq!(
        (s.agent, s.busy_reason.as_deref()),
        (AgentState::Busy, Some("201"))
    );
    s.apply(&ev("AgentState_CancelNotReady_Success", Value::Null), 6);
    assert_eq!(
        (s.agent, s.busy_reason.as_deref()),
        (AgentState::Idle, None)
    );
    s.apply(&ev("AgentState_SetRest_Success", Value::Null), 7);
    assert_eq!(s.agent, AgentState::Rest);
    s.apply(&ev("AgentState_Rest_Timeout", Value::Null), 8);
    assert!(s.rest_overdue);
    assert_eq!((s.agent, s.since_ms), (AgentState::Rest, 7));
    s.apply(&ev("AgentState_CancelRest_Success", Value::Null), 9);
    assert_eq!(s.agent, AgentState::Idle);
    assert!(!s.rest_overdue);
    s.apply(&ev("AgentState_SetWork_Success", Value::Null), 10);
    assert_eq!(s.agent, AgentState::WrapUp);
    s.apply(&ev("AgentState_CancelWork_Success", Value::Null), 11);
    assert_eq!(s.agent, AgentState::Idle);
    s.apply(&ev("AgentState_Force_SetNotReady", Value::Null), 12);
    assert_eq!(s.agent, AgentState::Busy);
    s.apply(&ev("AgentState_Force_Ready", Value::Null), 13);
    assert_eq!(s.agent, AgentState::Idle);
}

#[test]
fn inbound_call_flow() {
    let mut s = signed_in(1);
    s.apply(&ringing("c1"), 100);
    assert_eq!(s.agent, AgentState::Ringing);
    let c = only(&s);
    assert_eq!(c.caller.as_deref(), Some("5551"));
    assert_eq!(c.called.as_deref(), Some("7001"));
    assert_eq!(c.direction, Direction::Inbound);
    assert_eq!(c.media, Media::Voice);
    assert_eq!(c.since_ms, 100);
    s.set_calldata("c1", "order 42".into());
    s.apply(
        &ev(
            "AgentEvent_Talking",
            json!({"caller":"5551","called":"7001","callid":"c1","feature":"0"}),
        ),
        200,
    );
    assert_eq!(s.agent, AgentState::Talking);
    let c = only(&s);
    assert_eq!(c.since_ms, 100, "the call keeps its start");
    assert_eq!(c.calldata, Some(CallData("order 42".into())));
    s.apply(&ev("AgentState_Busy", Value::Null), 210);
    assert_eq!(
        s.agent,
        AgentState::Talking,
        "busy during a call is the call"
    );
    s.apply(&ev("AgentEvent_Hold", json!("c1")), 300);
    assert_eq!(s.agent, AgentState::Hold);
    assert!(only(&s).is_held());
    s.apply(&ev("AgentEvent_Talking", json!({"callid":"c1"})), 400);
    assert_eq!(s.agent, AgentState::Talking);
    let c = only(&s);
    assert!(!c.is_held() && c.caller.as_deref() == Some("5551"));
    s.apply(&ev("AgentEvent_Call_Release", json!("c1")), 500);
    assert!(s.calls.is_empty());
    s.apply(
        &ev(
            "AgentEvent_Customer_Release",
            json!({"callid":"c1","number":"5551"}),
        ),
        501,
    );
    s.apply(&ev("AgentOther_PhoneRelease", json!({"phoneState":3})), 502);
    s.apply(&ev("AgentState_Work", Value::Null), 503);
    assert_eq!((s.agent, s.since_ms), (AgentState::WrapUp, 503));
    assert!(consistent(&s).is_ok());
}

#[test]
fn outbound_and_release_of_another_call() {
    let mut s = signed_in(1);
    s.apply(
        &ev("AgentEvent_Ringing", json!({"callid":"c2","feature":"7","mediaAbility":"3","transfer":"yes","transfrom":"102"})),
        5,
    );
    let c = only(&s);
    assert_eq!(
        (c.direction, c.media),
        (Direction::Outbound, Media::VoiceAndVideo)
    );
    assert_eq!(c.transferred_from.as_deref(), Some("102"));
    // A release of a different call leaves this one alone.
    s.apply(&ev("AgentEvent_Call_Release", json!("other")), 6);
    assert!(!s.calls.is_empty());
    s.apply(&ev("AgentEvent_No_Answer", json!("c2")), 7);
    assert!(s.calls.is_empty());
    s.apply(
        &ev(
            "AgentEvent_Customer_Alerting",
            json!({"callid":"c3","otherPhone":"5559"}),
        ),
        8,
    );
    let c = only(&s);
    assert_eq!(
        (c.direction, c.called.as_deref()),
        (Direction::Outbound, Some("5559"))
    );
}

#[test]
fn busy_asked_during_a_call_waits_for_the_call() {
    let mut s = signed_in(1);
    s.apply(&ringing("c1"), 2);
    s.apply(
        &ev("AgentState_SetNotReady_Success", json!({"reason":"200"})),
        3,
    );
    assert_eq!(s.agent, AgentState::Ringing);
    assert_eq!(s.busy_reason.as_deref(), Some("200"));
}

#[test]
fn shutdown_signs_out_and_drops_the_call() {
    let mut s = signed_in(1);
    s.apply(&ringing("c1"), 2);
    s.apply(
        &ev("AgentOther_ShutdownService", json!({"loginTime":"1"})),
        3,
    );
    assert_eq!(s.agent, AgentState::SignedOut);
    assert!(s.calls.is_empty());
}

#[test]
fn other_events_change_nothing() {
    let s = signed_in(1);
    for t in [
        "AgentOther_PhoneAlerting",
        "AgentOther_Note",
        "AgentChat_Whatever",
        "AgentEvent_MessageData",
    ] {
        assert_eq!(apply(&s, &ev(t, json!({"x":1})), 99), s, "{t}");
    }
}

#[test]
fn reconcile_follows_the_gateway() {
    let mut s = signed_in(1);
    s.apply(&ringing("c1"), 2);
    s.reconcile(AgentStatus::Talking, Some("cd".into()), 3);
    assert_eq!(s.agent, AgentState::Ringing, "keeps a known call state");
    assert_eq!(only(&s).calldata, Some(CallData("cd".into())));
    s.reconcile(AgentStatus::Idle, None, 4);
    assert_eq!(s.agent, AgentState::Idle);
    assert!(s.calls.is_empty());
    s.reconcile(AgentStatus::Talking, None, 5);
    assert_eq!(s.agent, AgentState::Talking);
    assert!(!s.calls.is_empty());
    s.reconcile(AgentStatus::Unknown, None, 6);
    assert_eq!(s.agent, AgentState::Talking);
    assert!(consistent(&s).is_ok());
}

#[test]
fn health_and_errors() {
    let mut s = signed_in(1);
    s.apply(&ringing("c1"), 2);
    s.set_error(&ClientError::GuidExpired, 3);
    assert_eq!(
        s.last_error.as_ref().map(|e| e.kind.as_str()),
        Some("guidExpired")
    );
    s.set_health(
        Health::SignedOut {
            reason: SignOutReason::ByGateway {
                retcode: "000-003".into(),
            },
        },
        4,
    );
    assert_eq!(s.agent, AgentState::SignedOut);
    assert!(s.calls.is_empty());
}

#[test]
fn serializes_camel_case_and_hides_calldata_in_debug() {
    let mut s = signed_in(1);
    s.apply(&ringing("c1"), 2);
    s.set_calldata("c1", "secret order".into());
    let v = serde_json::to_value(&s).expect("serializes");
    assert_eq!(v["agent"], "ringing");
    assert_eq!(v["sinceMs"], 2);
    assert_eq!(v["calls"][0]["calldata"], "secret order");
    assert_eq!(v["calls"][0]["direction"], "inbound");
    assert_eq!(v["calls"][0]["phase"], "ringing");
    assert_eq!(v["calls"][0]["kind"], "customer");
    assert_eq!(v["health"]["kind"], "signedOut");
    assert_eq!(v["health"]["reason"]["kind"], "notSignedIn");
    assert!(!format!("{s:?}").contains("secret order"));
}

fn talking(callid: &str, feature: &str) -> Event {
    ev(
        "AgentEvent_Talking",
        json!({"caller":"5551","called":"7001","callid":callid,"feature":feature}),
    )
}

#[test]
fn a_consult_never_overwrites_the_held_customer() {
    let mut s = signed_in(1);
    s.apply(&ringing("cust"), 10);
    s.apply(&talking("cust", "0"), 20);
    s.set_calldata("cust", "order 7".into());
    // Consult: the customer is held, the help call talks (feature 51).
    s.apply(&ev("AgentEvent_Hold", json!("cust")), 30);
    s.apply(&talking("help", "51"), 40);
    assert_eq!(s.calls.len(), 2);
    assert_eq!(s.agent, AgentState::Talking);
    let cust = s.call("cust").expect("the customer").clone();
    assert_eq!(
        (cust.phase, cust.kind),
        (CallPhase::Held, CallKind::Customer)
    );
    assert_eq!(cust.calldata, Some(CallData("order 7".into())));
    assert_eq!((cust.since_ms, cust.phase_since_ms), (10, 30));
    let help = s.call("help").expect("the consult").clone();
    assert_eq!(
        (help.phase, help.kind),
        (CallPhase::Talking, CallKind::Consult)
    );
    assert!(
        !help.allows_call_control(),
        "no mute or transfer on a help call"
    );
    assert!(cust.allows_call_control());
    assert_eq!(
        s.active_call().and_then(|c| c.callid.as_deref()),
        Some("help")
    );
    // Take back: the help call is dropped, the customer is held until unheld.
    s.apply(&ev("AgentEvent_Call_Release", json!("help")), 50);
    assert_eq!(s.agent, AgentState::Hold);
    s.apply(&talking("cust", "0"), 60);
    assert_eq!(s.agent, AgentState::Talking);
    assert_eq!(only(&s).calldata, Some(CallData("order 7".into())));
    assert!(consistent(&s).is_ok());
}

#[test]
fn a_failed_consult_leaves_the_customer_held() {
    let mut s = signed_in(1);
    s.apply(&talking("cust", "0"), 1);
    s.apply(&ev("AgentEvent_Hold", json!("cust")), 2);
    s.apply(
        &ev(
            "AgentEvent_Customer_Alerting",
            json!({"callid":"help","otherPhoneWorkno":"102"}),
        ),
        3,
    );
    assert_eq!(s.call("help").map(|c| c.kind), Some(CallKind::Internal));
    assert_eq!(s.agent, AgentState::Ringing);
    s.apply(&ev("AgentEvent_Consult_Fail", json!("help")), 4);
    assert_eq!(s.agent, AgentState::Hold);
    assert_eq!(only(&s).callid.as_deref(), Some("cust"));
}

#[test]
fn three_way_call_and_a_party_leaving() {
    let mut s = signed_in(1);
    s.apply(&talking("cust", "0"), 1);
    s.apply(&ev("AgentEvent_Hold", json!("cust")), 2);
    s.apply(&talking("help", "51"), 3);
    s.apply(
        &ev(
            "AgentEvent_Conference",
            json!({"callid":"cust","partner":"5551,102"}),
        ),
        4,
    );
    let conf = only(&s);
    assert_eq!(
        conf.callid.as_deref(),
        Some("cust"),
        "the consult joined the call"
    );
    assert_eq!(
        (conf.kind, conf.phase),
        (CallKind::Conference, CallPhase::Talking)
    );
    assert_eq!(conf.parties, vec!["5551".to_owned(), "102".to_owned()]);
    // A gateway that releases the consult leg apart changes nothing more.
    s.apply(&ev("AgentEvent_Call_Release", json!("help")), 5);
    assert_eq!(only(&s).callid.as_deref(), Some("cust"));
    // The colleague leaves; the customer is still on the call.
    s.apply(
        &ev(
            "AgentEvent_Customer_Release",
            json!({"callid":"cust","number":"102"}),
        ),
        6,
    );
    assert_eq!(only(&s).parties, vec!["5551".to_owned()]);
    assert_eq!(s.agent, AgentState::Talking);
    s.apply(&ev("AgentEvent_Call_Release", json!("cust")), 7);
    assert!(s.calls.is_empty());
    assert_eq!(s.agent, AgentState::Busy);
}

#[test]
fn internal_calls_and_a_call_waiting() {
    let mut s = signed_in(1);
    s.apply(&talking("in1", "6"), 1);
    let c = only(&s);
    assert_eq!(
        (c.kind, c.direction),
        (CallKind::Internal, Direction::Internal)
    );
    assert!(!c.allows_call_control());
    // A second call rings while talking: the agent is still talking.
    s.apply(&ringing("c2"), 2);
    assert_eq!(s.agent, AgentState::Talking);
    assert_eq!(
        s.ringing_call().and_then(|c| c.callid.as_deref()),
        Some("c2")
    );
    s.apply(&ev("AgentEvent_No_Answer", json!("c2")), 3);
    assert_eq!(only(&s).callid.as_deref(), Some("in1"));
}

#[test]
fn mute_next_state_and_transfers() {
    let mut s = signed_in(1);
    s.set_next(Some(NextState::Busy { reason: Some(201) }));
    assert_eq!(s.next, None, "a next state needs a call");
    s.apply(&talking("c1", "0"), 1);
    s.set_muted(true);
    assert!(only(&s).muted);
    s.apply(&ev("AgentEvent_Hold", json!("c1")), 2);
    s.apply(&talking("c1", "0"), 3);
    assert!(only(&s).muted, "mute outlives a hold");
    s.set_next(Some(NextState::Rest {
        seconds: 600,
        cause: 1,
    }));
    s.transfer_waiting(Some("c1".into()), 4);
    assert_eq!(
        s.transfer.as_ref().map(|t| t.outcome),
        Some(TransferOutcome::Waiting)
    );
    s.apply(
        &ev(
            "AgentEvent_SuccTransResult",
            json!({"result": 1, "callId": "c1"}),
        ),
        5,
    );
    assert_eq!(
        s.transfer.as_ref().map(|t| t.outcome),
        Some(TransferOutcome::Failed { result: 1 }),
        "the customer is still with the agent"
    );
    assert_eq!(s.agent, AgentState::Talking);
    s.transfer_waiting(Some("c1".into()), 6);
    s.apply(
        &ev(
            "AgentEvent_SuccTransResult",
            json!({"result": "0", "callId": "c1"}),
        ),
        7,
    );
    assert_eq!(s.transfer, None);
    s.apply(&ev("AgentEvent_Call_Release", json!("c1")), 8);
    assert_eq!(
        s.next,
        Some(NextState::Rest {
            seconds: 600,
            cause: 1
        })
    );
    s.apply(&ev("AgentState_SetRest_Success", Value::Null), 9);
    assert_eq!((s.agent, s.next), (AgentState::Rest, None));
}

fn arb_event() -> impl Strategy<Value = Event> {
    let callid = prop_oneof![
        Just(json!("c1")),
        Just(json!("c2")),
        Just(json!("c3")),
        Just(Value::Null),
        Just(json!(7))
    ];
    let feature = prop_oneof![
        Just("0"),
        Just("7"),
        Just("6"),
        Just("51"),
        Just("52"),
        Just("53")
    ];
    let types = prop_oneof![
        Just("AgentState_Ready"),
        Just("AgentState_Busy"),
        Just("AgentState_Work"),
        Just("AgentState_SetNotReady_Success"),
        Just("AgentState_CancelNotReady_Success"),
        Just("AgentState_SetRest_Success"),
        Just("AgentState_CancelRest_Success"),
        Just("AgentState_Rest_Timeout"),
        Just("AgentState_SetWork_Success"),
        Just("AgentState_CancelWork_Success"),
        Just("AgentState_Force_Ready"),
        Just("AgentState_Force_SetNotReady"),
        Just("AgentEvent_Ringing"),
        Just("AgentEvent_Auto_Answer"),
        Just("AgentEvent_Talking"),
        Just("AgentEvent_Customer_Alerting"),
        Just("AgentEvent_Hold"),
        Just("AgentEvent_Call_Release"),
        Just("AgentEvent_Customer_Release"),
        Just("AgentEvent_Call_Out_Fail"),
        Just("AgentEvent_No_Answer"),
        Just("AgentEvent_Connect_Fail"),
        Just("AgentEvent_Consult_Fail"),
        Just("AgentEvent_Inside_Call_Fail"),
        Just("AgentEvent_Conference"),
        Just("AgentEvent_SuccTransResult"),
        Just("AgentOther_InService"),
        Just("AgentOther_ShutdownService"),
        Just("AgentOther_PhoneRelease"),
        Just("Something_Else"),
    ];
    let shape = 0..5u8;
    (types, callid, feature, shape).prop_map(|(t, callid, feature, shape)| {
        let content = match shape {
            0 => Value::Null,
            1 => callid,
            2 => json!({"callid": callid, "caller": "1", "feature": feature, "reason": "200"}),
            3 => json!({"callid": callid, "partner": "5551,102", "number": "102", "result": 1,
                        "otherPhoneWorkno": "102"}),
            _ => json!([1, 2]),
        };
        ev(t, content)
    })
}

proptest! {
    #[test]
    fn any_sequence_stays_consistent(events in proptest::collection::vec(arb_event(), 0..60),
                                     gaps in proptest::collection::vec(0..1000u64, 60),
                                     statuses in proptest::collection::vec(0..10i64, 60)) {
        let mut s = BarState::signed_out(0);
        let mut now = 0;
        for (i, e) in events.iter().enumerate() {
            now += gaps[i];
            let before = s.since_ms;
            s.apply(e, now);
            prop_assert!(s.since_ms >= before && s.since_ms <= now);
            if let Err(msg) = consistent(&s) {
                prop_assert!(false, "after {}: {}", e.event_type, msg);
            }
            match i % 11 {
                4 => s.set_muted(true),
                5 => s.set_next(Some(NextState::Busy { reason: None })),
                6 => s.transfer_waiting(Some("c1".into()), now),
                _ => {}
            }
            if let Err(msg) = consistent(&s) {
                prop_assert!(false, "after a note: {}", msg);
            }
            if i % 7 == 3 {
                s.reconcile(AgentStatus::from_code(statuses[i]), None, now);
                if let Err(msg) = consistent(&s) {
                    prop_assert!(false, "after reconcile: {}", msg);
                }
            }
        }
    }
}
