use super::*;
use serde_json::json;

fn ev(v: Value) -> Event {
    Event::from_json(v)
}

#[test]
fn ringing_decodes_every_field() {
    let e = ev(
        json!({"eventType":"AgentEvent_Ringing","workNo":"101","eventGenTime":1700000000000u64,
        "content":{"caller":"5551","called":"7001","callid":"c-1","transfer":"yes","transfrom":"102",
        "type":"main","mediaType":"5","mediaAbility":"1","feature":"0"}}),
    );
    assert!(e.content_decoded);
    assert_eq!(e.work_no.as_deref(), Some("101"));
    assert_eq!(e.gen_time_ms, Some(1_700_000_000_000));
    let EventKind::Ringing(o) = &e.kind else {
        panic!("not ringing: {:?}", e.kind)
    };
    assert_eq!(o.caller.as_deref(), Some("5551"));
    assert_eq!(o.called.as_deref(), Some("7001"));
    assert_eq!(o.callid.as_deref(), Some("c-1"));
    assert_eq!(o.transfer, Some(true));
    assert_eq!(o.transfrom.as_deref(), Some("102"));
    assert_eq!(o.call_type.as_deref(), Some("main"));
    assert_eq!(o.feature.as_deref(), Some("0"));
    assert_eq!(o.media_ability.as_deref(), Some("1"));
    assert_eq!(e.callid(), Some("c-1"));
}

#[test]
fn string_content_is_a_callid() {
    let e = ev(json!({"eventType":"AgentEvent_Hold","workNo":"101","content":"c-9"}));
    assert_eq!(
        e.kind,
        EventKind::Hold {
            callid: Some("c-9".into())
        }
    );
    let e = ev(json!({"eventType":"AgentEvent_Call_Release","content":"c-9"}));
    assert_eq!(
        e.kind,
        EventKind::CallRelease {
            callid: Some("c-9".into())
        }
    );
}

#[test]
fn object_contents_decode() {
    let e = ev(
        json!({"eventType":"AgentEvent_Customer_Release","content":{"callid":"c","number":"5551"}}),
    );
    assert_eq!(
        e.kind,
        EventKind::CustomerRelease {
            callid: Some("c".into()),
            number: Some("5551".into())
        }
    );
    let e = ev(json!({"eventType":"AgentState_SetNotReady_Success","content":{"reason":"200"}}));
    assert_eq!(
        e.kind,
        EventKind::SetNotReadySuccess {
            reason: Some("200".into())
        }
    );
    let e = ev(
        json!({"eventType":"AgentOther_ShutdownService","content":{"loginTime":"1471585949806"}}),
    );
    assert_eq!(
        e.kind,
        EventKind::ShutdownService {
            login_time: Some("1471585949806".into())
        }
    );
    let e = ev(json!({"eventType":"AgentOther_PhoneRelease","content":{"phoneState":3}}));
    assert_eq!(
        e.kind,
        EventKind::PhoneRelease {
            phone_state: Some(3)
        }
    );
    let e = ev(json!({"eventType":"AgentState_Ready","workNo":291,"content":null}));
    assert_eq!(e.kind, EventKind::Ready);
    assert_eq!(e.work_no.as_deref(), Some("291"));
}

#[test]
fn unknown_types_pass_through_whole() {
    let raw = json!({"eventType":"AgentChat_NewMessage","workNo":"101","content":{"x":[1,2]}});
    let e = ev(raw.clone());
    assert_eq!(e.kind, EventKind::Unknown);
    assert!(e.content_decoded);
    assert_eq!(e.raw, raw);
    assert_eq!(e.event_type, "AgentChat_NewMessage");
    let e = ev(json!("not even an object"));
    assert_eq!(e.kind, EventKind::Unknown);
}

#[test]
fn unexpected_content_is_marked_not_fatal() {
    let e = ev(json!({"eventType":"AgentEvent_Ringing","content":[1,2,3]}));
    assert!(matches!(e.kind, EventKind::Ringing(_)));
    assert!(!e.content_decoded);
    let e = ev(json!({"eventType":"AgentOther_PhoneRelease","content":{"phoneState":"x"}}));
    assert!(!e.content_decoded);
    let e = ev(json!({"eventType":"AgentEvent_Hold","content":{"a":true}}));
    assert_eq!(e.kind, EventKind::Hold { callid: None });
}

#[test]
fn call_control_events_of_9_4() {
    let e = ev(
        json!({"eventType":"AgentEvent_Conference","content":{"callid":"c-1","partner":"7101, 7102"}}),
    );
    assert_eq!(
        e.kind,
        EventKind::Conference {
            callid: Some("c-1".into()),
            partners: vec!["7101".into(), "7102".into()]
        }
    );
    assert!(e.content_decoded);
    let e =
        ev(json!({"eventType":"AgentEvent_SuccTransResult","content":{"result":0,"callId":"c-2"}}));
    assert_eq!(
        e.kind,
        EventKind::SuccTransResult {
            callid: Some("c-2".into()),
            result: Some(0)
        }
    );
    assert_eq!(e.callid(), Some("c-2"));
    let e = ev(
        json!({"eventType":"AgentEvent_TransOutResult","content":{"result":"3","callid":"c-3","x":1}}),
    );
    assert_eq!(
        e.kind,
        EventKind::TransOutResult {
            callid: Some("c-3".into()),
            result: Some(3)
        }
    );
    for (t, make) in [
        (
            "AgentEvent_ReturnFromIvr",
            (|c| EventKind::ReturnFromIvr { callid: c }) as fn(_) -> _,
        ),
        ("AgentEvent_Consult_Fail", |c| EventKind::ConsultFail {
            callid: c,
        }),
        ("AgentEvent_Inside_Call_Fail", |c| {
            EventKind::InsideCallFail { callid: c }
        }),
        ("AgentEvent_No_Answer", |c| EventKind::NoAnswer {
            callid: c,
        }),
    ] {
        let e = ev(json!({"eventType": t, "content": "c-4"}));
        assert_eq!(e.kind, make(Some("c-4".into())), "{t}");
        assert_eq!(e.callid(), Some("c-4"), "{t}");
    }
}

#[test]
fn incoming_call_info_of_14() {
    let e = ev(
        json!({"eventType":"AgentEvent_Incoming_CallInfo","content":{
        "callId":"c-5","skillName":"Sales","skillId":3,"caller":"5551","called":"4001",
        "lastReleaseAgentId":"102","mediaType":5,"releaseAndReQueueCount":"2",
        "releaseAndReQueueCallFlag":"1"}}),
    );
    let EventKind::IncomingCallInfo(i) = &e.kind else {
        panic!("not incoming: {:?}", e.kind)
    };
    assert_eq!(i.callid.as_deref(), Some("c-5"));
    assert_eq!(i.skill_id.as_deref(), Some("3"));
    assert_eq!(i.skill_name.as_deref(), Some("Sales"));
    assert_eq!(i.last_release_agent_id.as_deref(), Some("102"));
    assert_eq!(i.requeue_count, Some(2));
    assert_eq!(i.media_type.as_deref(), Some("5"));
    assert_eq!(e.callid(), Some("c-5"));
}

#[test]
fn odd_call_control_shapes_never_fail() {
    let odd = [
        json!(null),
        json!("c-9"),
        json!(42),
        json!([1, 2]),
        json!({"partner": {"x": 1}, "result": [1]}),
        json!({"result": "not a number", "callId": 7}),
        json!(true),
    ];
    for t in [
        "AgentEvent_Conference",
        "AgentEvent_SuccTransResult",
        "AgentEvent_TransOutResult",
        "AgentEvent_ReturnFromIvr",
        "AgentEvent_Consult_Fail",
        "AgentEvent_Inside_Call_Fail",
        "AgentEvent_No_Answer",
        "AgentEvent_Incoming_CallInfo",
    ] {
        for c in &odd {
            let raw = json!({"eventType": t, "content": c});
            let e = ev(raw.clone());
            assert_ne!(e.kind, EventKind::Unknown, "{t} {c}");
            assert_eq!(e.raw, raw);
        }
    }
    let e = ev(json!({"eventType":"AgentEvent_SuccTransResult","content":"c-9"}));
    assert_eq!(
        e.kind,
        EventKind::SuccTransResult {
            callid: Some("c-9".into()),
            result: None
        }
    );
    let e = ev(json!({"eventType":"AgentEvent_SuccTransResult","content":{"result":"x"}}));
    assert!(!e.content_decoded);
    let e = ev(json!({"eventType":"AgentEvent_Conference","content":[1]}));
    assert!(!e.content_decoded);
}

#[test]
fn serializes_for_the_ui() {
    let e = ev(json!({"eventType":"AgentEvent_Hold","content":"c-9"}));
    let v = serde_json::to_value(&e).expect("serializes");
    assert_eq!(v["eventType"], "AgentEvent_Hold");
    assert_eq!(v["kind"]["type"], "hold");
    assert_eq!(v["kind"]["callid"], "c-9");
    assert_eq!(v["raw"]["content"], "c-9");
}
