//! Outbound calls and in-call controls on the raw wire: callout (answered
//! and failing numbers), two calls at once, mute, DTMF, connect-hold,
//! reject, the `200-xxx` codes in the wrong state, and the day's figures.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use agentgateway_sim::{NumberFate, QueueCall, Ring};
use common::*;
use reqwest::Method;
use serde_json::json;

const CALLOUT: &str = "/voicecall/101/callout";

#[tokio::test]
async fn a_callout_is_answered_and_a_second_one_waits_for_a_hold() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.ready("101").await;
        let bad = refused("200-001", "bad called number");
        for body in [
            json!({"called":"+49301234"}),
            json!({"called":""}),
            json!({"called":"1".repeat(25)}),
            json!({"caller":"4001"}),
        ] {
            let raw = gw.send(Method::PUT, CALLOUT, &guid, body.clone()).await;
            assert_eq!(raw.json(), bad, "{body}");
        }
        let raw = gw
            .send(Method::PUT, CALLOUT, &guid, json!({"called":"0301234567","caller":"4001"}))
            .await;
        let first = raw.json()["result"].as_str().unwrap().to_owned();
        assert_eq!(raw.json(), ok(json!(first)));
        assert_eq!(
            gw.until("101", &guid, "AgentEvent_Talking").await,
            [
                json!(["AgentState_Busy", null]),
                json!(["AgentEvent_Customer_Alerting", {"callid":first,"otherPhoneWorkno":"","otherPhone":"0301234567","type":"main"}]),
                json!(["AgentEvent_Talking", {"caller":"4001","called":"0301234567","callid":first,"feature":"7","type":"main","mediaAbility":"1"}]),
            ]
        );
        let status = gw.op(Method::GET, "/onlineagent/101/agentstatus", &guid).await;
        assert_eq!(status.json(), ok(json!(7)));

        // Refused while a call is active, allowed once it is held.
        let again = gw.send(Method::PUT, CALLOUT, &guid, json!({"called":"0307654321"})).await;
        assert_eq!(again.retcode(), "100-009");
        gw.op(Method::POST, "/voicecall/101/hold", &guid).await;
        let raw = gw.send(Method::PUT, CALLOUT, &guid, json!({"called":"0307654321"})).await;
        let second = raw.json()["result"].as_str().unwrap().to_owned();
        let events = gw.until("101", &guid, "AgentEvent_Talking").await;
        assert_eq!(
            events.iter().map(|e| e[0].as_str().unwrap()).collect::<Vec<_>>(),
            ["AgentEvent_Hold", "AgentEvent_Customer_Alerting", "AgentEvent_Talking"],
            "no second AgentState_Busy while the first call is held"
        );
        let calls = sim.control().calls("101");
        let phases: Vec<(&str, &str)> = calls.iter().map(|c| (c.callid.as_str(), c.phase.as_str())).collect();
        assert_eq!(phases, [(first.as_str(), "held"), (second.as_str(), "talking")]);
        assert_eq!(calls[1].feature, "7");

        // DTMF, mute.
        let dial = gw.op(Method::POST, "/voicecall/101/seconddialex?number=12*%23", &guid).await;
        assert_eq!(dial.json(), ok(json!(null)));
        let bad_digits = gw.op(Method::POST, "/voicecall/101/seconddialex?number=12a", &guid).await;
        assert_eq!(bad_digits.retcode(), "000-002");
        assert_eq!(sim.control().dtmf("101"), ["12*#"]);
        for (path, code) in [
            ("/voicecall/101/beginmute", "0"),
            ("/voicecall/101/beginmute", "200-004"),
            ("/voicecall/101/endmute", "0"),
            ("/voicecall/101/endmute", "200-004"),
        ] {
            assert_eq!(gw.op(Method::POST, path, &guid).await.retcode(), code, "{path}");
        }

        // Switch back to the first call.
        let nope = gw.op(Method::POST, "/voicecall/101/connecthold/nope", &guid).await;
        assert_eq!(nope.json(), refused("200-006", "no such held call"));
        let path = format!("/voicecall/101/connecthold/{first}");
        assert_eq!(gw.op(Method::POST, &path, &guid).await.json(), ok(json!(null)));
        let events = gw.drain_events("101", &guid).await;
        assert_eq!(events[0], json!(["AgentEvent_Hold", second]));
        assert_eq!(events[1][0], "AgentEvent_Talking");
        assert_eq!(events[1][1]["callid"], first.as_str());

        // Release: the talking call first; the phone is released with the last.
        gw.op(Method::DELETE, "/voicecall/101/release", &guid).await;
        assert_eq!(
            gw.drain_events("101", &guid).await,
            [
                json!(["AgentEvent_Call_Release", first]),
                json!(["AgentEvent_Customer_Release", {"callid":first,"number":"0301234567"}]),
            ]
        );
        gw.op(Method::DELETE, "/voicecall/101/release", &guid).await;
        assert_eq!(
            gw.drain("101", &guid).await,
            ["AgentEvent_Call_Release", "AgentEvent_Customer_Release", "AgentOther_PhoneRelease", "AgentState_Ready"]
        );
        let stats = gw.op(Method::GET, "/calldata/101/statistics", &guid).await.json();
        assert_eq!(stats["retcode"], "0");
        let r = &stats["result"];
        assert_eq!((r["calloutnums"].as_u64(), r["keepnums"].as_u64(), r["agentrelease"].as_u64()), (Some(2), Some(2), Some(2)));
        assert_eq!(r["answernums"], 0);
    })
    .await;
}

#[tokio::test]
async fn failing_numbers_end_the_callout() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.ready("101").await;
        sim.control().mark_number("0301111", NumberFate::Busy);
        for number in ["000123", "0301111"] {
            let raw = gw
                .send(Method::PUT, CALLOUT, &guid, json!({"called":number}))
                .await;
            let id = raw.json()["result"].as_str().unwrap().to_owned();
            assert_eq!(
                gw.until("101", &guid, "AgentState_Ready").await,
                [
                    json!(["AgentState_Busy", null]),
                    json!(["AgentEvent_Call_Out_Fail", id]),
                    json!(["AgentState_Ready", null]),
                ],
                "{number}"
            );
        }
        let raw = gw
            .send(Method::PUT, CALLOUT, &guid, json!({"called":"0199777"}))
            .await;
        let id = raw.json()["result"].as_str().unwrap().to_owned();
        let events = gw.until("101", &guid, "AgentState_Ready").await;
        assert_eq!(
            events
                .iter()
                .map(|e| e[0].as_str().unwrap())
                .collect::<Vec<_>>(),
            [
                "AgentState_Busy",
                "AgentEvent_Customer_Alerting",
                "AgentEvent_Call_Out_Fail",
                "AgentState_Ready"
            ]
        );
        assert_eq!(events[2][1], json!(id));
        assert!(sim.control().calls("101").is_empty());
        assert_eq!(sim.control().statistics("101")["calloutnums"], 3);
    })
    .await;
}

#[tokio::test]
async fn call_controls_without_a_call_name_their_reason() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.ready("101").await;
        for (method, path, body, code) in [
            (Method::POST, "/voicecall/101/beginmute", None, "200-003"),
            (
                Method::POST,
                "/voicecall/101/connecthold/1-1",
                None,
                "200-005",
            ),
            (
                Method::POST,
                "/voicecall/101/reject",
                Some(json!({"mode":1})),
                "200-002",
            ),
            (
                Method::POST,
                "/voicecall/101/confjoin",
                Some(json!({"callid":"1-1"})),
                "200-010",
            ),
            (
                Method::POST,
                "/voicecall/101/innerhelp",
                Some(json!({"dstaddress":"102"})),
                "200-018",
            ),
            (
                Method::POST,
                "/voicecall/101/transfer",
                Some(json!({"devicetype":2,"address":"102","mode":0})),
                "200-012",
            ),
            (Method::POST, "/voicecall/101/dropcall/1-1", None, "200-017"),
            (
                Method::POST,
                "/voicecall/101/canceltransfer",
                None,
                "100-009",
            ),
            (
                Method::POST,
                "/voicecall/101/seconddialex?number=1",
                None,
                "100-009",
            ),
            (
                Method::POST,
                "/voicecall/101/disconnect/102",
                None,
                "100-009",
            ),
        ] {
            let raw = gw.call(method, path, Some(&guid), body).await;
            assert_eq!(raw.retcode(), code, "{path}");
        }
        assert_eq!(
            gw.drain("101", &guid).await,
            Vec::<String>::new(),
            "nothing changed"
        );

        // Mute is refused on internal calls (feature 6).
        sim.control()
            .set_colleague("102", Default::default())
            .unwrap();
        gw.send(
            Method::PUT,
            "/voicecall/101/callinner",
            &guid,
            json!({"called":"102"}),
        )
        .await;
        gw.until("101", &guid, "AgentEvent_Talking").await;
        let raw = gw.op(Method::POST, "/voicecall/101/beginmute", &guid).await;
        assert_eq!(
            raw.json(),
            refused("200-004", "the call's state does not allow muting")
        );
    })
    .await;
}

#[tokio::test]
async fn reject_sends_the_call_back_to_its_queue_or_releases_it() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.ready("101").await;
        let control = sim.control();
        let ring = Ring { caller: "+4930555".into(), called: "4001".into(), ..Ring::default() };
        let id = control.ring("101", ring).unwrap();
        gw.drain("101", &guid).await;
        let reject = "/voicecall/101/reject";
        assert_eq!(gw.send(Method::POST, reject, &guid, json!({"mode":3})).await.retcode(), "000-002");
        assert_eq!(gw.send(Method::POST, reject, &guid, json!({"callid":"x","mode":2})).await.retcode(), "200-002");
        let raw = gw.send(Method::POST, reject, &guid, json!({"callid":id,"mode":2})).await;
        assert_eq!(raw.json(), ok(json!(null)));
        assert_eq!(
            gw.drain_events("101", &guid).await,
            [
                json!(["AgentEvent_Call_Release", id]),
                json!(["AgentOther_PhoneRelease", {"phoneState":3}]),
                json!(["AgentState_Ready", null]),
            ]
        );

        // Mode 1: a queue call goes back to its queue, the agent goes busy.
        gw.op(Method::POST, "/onlineagent/101/resetskill/true", &guid).await;
        let call = QueueCall { caller: "+4940777".into(), called: "4001".into(), ..QueueCall::default() };
        let id = control.queue_call(1, call).unwrap();
        assert_eq!(gw.drain("101", &guid).await, ["AgentEvent_Incoming_CallInfo", "AgentEvent_Ringing"]);
        let raw = gw.send(Method::POST, reject, &guid, json!({"mode":1})).await;
        assert_eq!(raw.json(), ok(json!(null)));
        assert_eq!(
            gw.drain_events("101", &guid).await,
            [json!(["AgentEvent_No_Answer", id]), json!(["AgentState_SetNotReady_Success", {"reason":"7"}])]
        );
        assert_eq!(control.agent_state("101").unwrap().status, 3);
        assert_eq!(control.queue_waiting(1), 1);

        // The next agent of the skill gets it, marked as released once.
        let guid2 = gw.ready("102").await;
        assert_eq!(control.queue_waiting(1), 1, "no skill queue before resetskill");
        gw.op(Method::POST, "/onlineagent/102/resetskill/true", &guid2).await;
        let info = gw.next_event("102", &guid2).await;
        assert_eq!(info["eventType"], "AgentEvent_Incoming_CallInfo");
        assert_eq!(
            info["content"],
            json!({"callId":id,"skillName":"General","skillId":"1","caller":"+4940777","called":"4001",
                "lastReleaseAgentId":"101","mediaType":"5","releaseAndReQueueCount":"1","releaseAndReQueueCallFlag":"1"})
        );
        assert_eq!(control.queue_waiting(1), 0);
        assert_eq!(control.statistics("101")["noanswernums"], 2);
    })
    .await;
}
