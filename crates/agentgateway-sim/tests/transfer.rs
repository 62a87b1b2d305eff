//! Transfer on the raw wire (protocol.md §9.3): success mode answered and
//! not answered, cancelling, blind transfer to a skill and an access code,
//! outside numbers, IVR, and the device type / mode rules.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use agentgateway_sim::{Colleague, Ring, Simulator};
use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const TRANSFER: &str = "/voicecall/101/transfer";

/// 101 talking with a customer; returns the GUID and the call ID.
async fn talking(sim: &Simulator, gw: &Gw) -> (String, String) {
    let guid = gw.ready("101").await;
    let ring = Ring {
        caller: "+4930555".into(),
        called: "4001".into(),
        calldata: Some("order=1".into()),
        ..Ring::default()
    };
    let callid = sim.control().ring("101", ring).unwrap();
    gw.op(Method::PUT, "/voicecall/101/answer", &guid).await;
    gw.drain("101", &guid).await;
    (guid, callid)
}

fn alerting(callid: &str, workno: &str, phone: &str) -> Value {
    json!(["AgentEvent_Customer_Alerting", {"callid":callid,"otherPhoneWorkno":workno,"otherPhone":phone,"type":"main"}])
}

fn released(callid: &str) -> [Value; 3] {
    [
        json!(["AgentEvent_Call_Release", callid]),
        json!(["AgentOther_PhoneRelease", {"phoneState":3}]),
        json!(["AgentState_Ready", null]),
    ]
}

#[tokio::test]
async fn success_mode_waits_for_the_colleague_then_releases_the_agent() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        sim.control()
            .set_colleague("102", Colleague::default())
            .unwrap();
        let (guid, c) = talking(&sim, &gw).await;
        let raw = gw
            .send(
                Method::POST,
                TRANSFER,
                &guid,
                json!({"devicetype":2,"address":"102","mode":2}),
            )
            .await;
        assert_eq!(raw.json(), ok(json!(null)));
        let mut expected = vec![
            alerting(&c, "102", "102"),
            json!(["AgentEvent_SuccTransResult", {"result":0,"callId":c}]),
        ];
        expected.extend(released(&c));
        assert_eq!(gw.until("101", &guid, "AgentState_Ready").await, expected);
        let calls = sim.control().calls("102");
        assert_eq!(
            (calls[0].callid.as_str(), calls[0].phase.as_str()),
            (c.as_str(), "talking")
        );
        assert_eq!(calls[0].parties, ["+4930555"]);
        assert_eq!(
            sim.control().calldata("102").as_deref(),
            Some("order=1"),
            "calldata goes with the call"
        );
        let ringing = sim
            .control()
            .emitted_events("102")
            .into_iter()
            .find(|e| e["eventType"] == "AgentEvent_Ringing")
            .unwrap();
        assert_eq!(
            (
                ringing["content"]["transfer"].as_str(),
                ringing["content"]["transfrom"].as_str()
            ),
            (Some("yes"), Some("101"))
        );
        assert_eq!(sim.control().statistics("101")["transfernums"], 1);
    })
    .await;
}

#[tokio::test]
async fn a_target_that_does_not_answer_leaves_the_customer_with_the_agent() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let never = Colleague {
            never_answer: true,
            ..Colleague::default()
        };
        sim.control().set_colleague("105", never).unwrap();
        let (guid, c) = talking(&sim, &gw).await;
        let to_105 = json!({"devicetype":2,"address":"105","mode":2});
        gw.send(Method::POST, TRANSFER, &guid, to_105.clone()).await;
        assert_eq!(sim.control().calls("105")[0].phase, "ringing");
        assert_eq!(
            gw.send(Method::POST, TRANSFER, &guid, to_105.clone())
                .await
                .retcode(),
            "100-009",
            "one transfer at a time"
        );
        assert_eq!(
            gw.until("101", &guid, "AgentEvent_SuccTransResult").await,
            [
                alerting(&c, "105", "105"),
                json!(["AgentEvent_SuccTransResult", {"result":1,"callId":c}])
            ]
        );
        assert!(sim.control().calls("105").is_empty());
        let calls = sim.control().calls("101");
        assert_eq!((calls.len(), calls[0].phase.as_str()), (1, "talking"));
        let status = gw
            .op(Method::GET, "/onlineagent/101/agentstatus", &guid)
            .await;
        assert_eq!(status.json(), ok(json!(7)));

        // Not signed in: the result comes at once.
        gw.send(
            Method::POST,
            TRANSFER,
            &guid,
            json!({"devicetype":2,"address":"103","mode":2}),
        )
        .await;
        assert_eq!(
            gw.drain_events("101", &guid).await,
            [json!(["AgentEvent_SuccTransResult", {"result":1,"callId":c}])]
        );

        // Cancelled: the target's leg goes, nothing more comes.
        gw.send(Method::POST, TRANSFER, &guid, to_105).await;
        assert_eq!(
            gw.op(Method::POST, "/voicecall/101/canceltransfer", &guid)
                .await
                .json(),
            ok(json!(null))
        );
        assert!(sim.control().calls("105").is_empty());
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(
            gw.drain_events("101", &guid).await,
            [alerting(&c, "105", "105")]
        );
        assert_eq!(
            gw.op(Method::POST, "/voicecall/101/canceltransfer", &guid)
                .await
                .retcode(),
            "100-009"
        );
        assert_eq!(sim.control().calls("101")[0].phase, "talking");
    })
    .await;
}

#[tokio::test]
async fn device_types_and_modes_are_checked() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let (guid, _) = talking(&sim, &gw).await;
        for body in [
            json!({"devicetype":1,"address":"1","mode":1}),
            json!({"devicetype":2,"address":"102","mode":3}),
            json!({"devicetype":3,"address":"5001","mode":2}),
            json!({"devicetype":4,"address":"4001","mode":1}),
            json!({"devicetype":5,"address":"0301","mode":0}),
            json!({"devicetype":2,"address":"abc","mode":0}),
            json!({"devicetype":1,"address":"9","mode":0}),
            json!({"devicetype":3,"address":"5999","mode":0}),
            json!({"devicetype":4,"address":"4999","mode":0}),
            json!({"devicetype":5,"address":"03x","mode":2}),
            json!({"devicetype":6,"address":"1","mode":0}),
            json!({"address":"1","mode":0}),
        ] {
            let raw = gw.send(Method::POST, TRANSFER, &guid, body.clone()).await;
            assert_eq!(
                raw.json(),
                refused("000-002", "bad URL or parameter"),
                "{body}"
            );
        }
        assert_eq!(gw.drain("101", &guid).await, Vec::<String>::new());
        gw.op(Method::DELETE, "/voicecall/101/release", &guid).await;
        gw.drain("101", &guid).await;

        // Release mode to an outside number is not for an outbound call.
        let raw = gw
            .send(
                Method::PUT,
                "/voicecall/101/callout",
                &guid,
                json!({"called":"0301234"}),
            )
            .await;
        assert_eq!(raw.retcode(), "0");
        gw.until("101", &guid, "AgentEvent_Talking").await;
        let blind_out = json!({"devicetype":5,"address":"0309","mode":1});
        assert_eq!(
            gw.send(Method::POST, TRANSFER, &guid, blind_out)
                .await
                .retcode(),
            "000-002"
        );
        gw.op(Method::DELETE, "/voicecall/101/release", &guid).await;
        gw.drain("101", &guid).await;

        // An internal call cannot be transferred.
        sim.control()
            .set_colleague("102", Colleague::default())
            .unwrap();
        gw.send(
            Method::PUT,
            "/voicecall/101/callinner",
            &guid,
            json!({"called":"102"}),
        )
        .await;
        gw.until("101", &guid, "AgentEvent_Talking").await;
        let raw = gw
            .send(
                Method::POST,
                TRANSFER,
                &guid,
                json!({"devicetype":2,"address":"103","mode":0}),
            )
            .await;
        assert_eq!(raw.retcode(), "100-009");
    })
    .await;
}

#[tokio::test]
async fn blind_transfer_to_a_skill_or_access_code_queues_the_call() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let g2 = gw.ready("104").await;
        gw.op(Method::POST, "/onlineagent/104/resetskill/true", &g2)
            .await;
        let (guid, c) = talking(&sim, &gw).await;
        let raw = gw
            .send(
                Method::POST,
                TRANSFER,
                &guid,
                json!({"devicetype":4,"address":"4003","mode":0}),
            )
            .await;
        assert_eq!(raw.json(), ok(json!(null)));
        assert_eq!(gw.drain_events("101", &guid).await, released(&c));
        let events = gw.drain_events("104", &g2).await;
        assert_eq!(events[0][0], "AgentEvent_Incoming_CallInfo");
        assert_eq!(
            (
                events[0][1]["skillId"].as_str(),
                events[0][1]["skillName"].as_str()
            ),
            (Some("2"), Some("Billing"))
        );
        assert_eq!(events[1][0], "AgentEvent_Ringing");
        assert_eq!(
            (
                events[1][1]["callid"].as_str(),
                events[1][1]["transfer"].as_str(),
                events[1][1]["transfrom"].as_str()
            ),
            (Some(c.as_str()), Some("yes"), Some("101"))
        );
        let appdata = format!("/calldata/104/appdata?callId={c}");
        assert_eq!(
            gw.op(Method::GET, &appdata, &g2).await.json(),
            ok(json!("order=1"))
        );

        // To skill 1 nobody is signed in (101 handed it on): the call waits.
        gw.op(Method::PUT, "/voicecall/104/answer", &g2).await;
        gw.drain("104", &g2).await;
        let raw = gw
            .send(
                Method::POST,
                "/voicecall/104/transfer",
                &g2,
                json!({"devicetype":1,"address":"1","mode":0}),
            )
            .await;
        assert_eq!(raw.retcode(), "0");
        assert_eq!(sim.control().queue_waiting(1), 1);
    })
    .await;
}

#[tokio::test]
async fn outside_numbers_and_ivr() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let (guid, c) = talking(&sim, &gw).await;
        // Busy number: the customer stays.
        gw.send(
            Method::POST,
            TRANSFER,
            &guid,
            json!({"devicetype":5,"address":"0111222","mode":2}),
        )
        .await;
        assert_eq!(
            gw.until("101", &guid, "AgentEvent_SuccTransResult").await,
            [
                alerting(&c, "", "0111222"),
                json!(["AgentEvent_SuccTransResult", {"result":1,"callId":c}])
            ]
        );
        // IVR hang-up mode: held, then back.
        let raw = gw
            .send(
                Method::POST,
                TRANSFER,
                &guid,
                json!({"devicetype":3,"address":"5001","mode":1}),
            )
            .await;
        assert_eq!(raw.retcode(), "0");
        assert_eq!(sim.control().calls("101")[0].phase, "held");
        let events = gw.until("101", &guid, "AgentEvent_Talking").await;
        assert_eq!(events[0], json!(["AgentEvent_ReturnFromIvr", c]));
        assert_eq!(events.len(), 2);
        // Three-party with an outside number: a conference.
        gw.send(
            Method::POST,
            TRANSFER,
            &guid,
            json!({"devicetype":5,"address":"0309","mode":4}),
        )
        .await;
        assert_eq!(
            gw.until("101", &guid, "AgentEvent_Conference").await,
            [
                alerting(&c, "", "0309"),
                json!(["AgentEvent_Conference", {"callid":c,"partner":"+4930555,0309"}])
            ]
        );
        assert_eq!(sim.control().calls("101")[0].feature, "53");
        gw.op(Method::DELETE, "/voicecall/101/release", &guid).await;
        gw.drain("101", &guid).await;

        // Success mode to an outside number that answers.
        let ring = Ring {
            caller: "+4930666".into(),
            ..Ring::default()
        };
        let c = sim.control().ring("101", ring).unwrap();
        gw.op(Method::PUT, "/voicecall/101/answer", &guid).await;
        gw.drain("101", &guid).await;
        gw.send(
            Method::POST,
            TRANSFER,
            &guid,
            json!({"devicetype":5,"address":"0301234","mode":2}),
        )
        .await;
        let mut expected = vec![
            alerting(&c, "", "0301234"),
            json!(["AgentEvent_SuccTransResult", {"result":0,"callId":c}]),
        ];
        expected.extend(released(&c));
        assert_eq!(gw.until("101", &guid, "AgentState_Ready").await, expected);
        let stats = sim.control().statistics("101");
        assert_eq!(
            (
                stats["transfernums"].as_u64(),
                stats["transferivrnums"].as_u64(),
                stats["transferoutnums"].as_u64()
            ),
            (Some(1), Some(1), Some(1))
        );
    })
    .await;
}
