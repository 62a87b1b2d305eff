//! Connection-bar operations and calldata: the events each one emits and
//! the retcodes of refused ones.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use agentgateway_sim::Ring;
use base64::Engine;
use common::*;
use reqwest::Method;
use serde_json::json;

async fn signed_in(sim: &agentgateway_sim::Simulator, body: serde_json::Value) -> (Gw, String) {
    let gw = Gw::new(sim);
    let raw = gw.sign_in_with("101", body).await;
    let guid = raw.set_guid().unwrap();
    gw.drain("101", &guid).await;
    (gw, guid)
}

fn ring() -> Ring {
    Ring {
        caller: "+4930555".into(),
        called: "4001".into(),
        calldata: Some("cust=7".into()),
        ..Ring::default()
    }
}

const OK: &str = r#"{"message":"","retcode":"0","result":null}"#;

#[tokio::test]
async fn state_operations_emit_their_events() {
    bounded(async {
        let sim = start(quick_config()).await;
        let (gw, guid) = signed_in(&sim, sign_in_body("101")).await;
        for (method, path, events, status) in [
            (
                Method::POST,
                "/onlineagent/101/saybusy?reason=200",
                vec!["AgentState_SetNotReady_Success"],
                3,
            ),
            (
                Method::POST,
                "/onlineagent/101/cancelbusy",
                vec!["AgentState_CancelNotReady_Success", "AgentState_Ready"],
                4,
            ),
            (
                Method::POST,
                "/onlineagent/101/work",
                vec!["AgentState_SetWork_Success"],
                5,
            ),
            (
                Method::POST,
                "/onlineagent/101/cancelwork",
                vec!["AgentState_CancelWork_Success", "AgentState_Ready"],
                4,
            ),
            (
                Method::POST,
                "/onlineagent/101/saybusy",
                vec!["AgentState_SetNotReady_Success"],
                3,
            ),
            (
                Method::POST,
                "/onlineagent/101/sayfree",
                vec!["AgentState_Ready"],
                4,
            ),
            (
                Method::POST,
                "/onlineagent/101/rest/600/3",
                vec!["AgentState_SetRest_Success"],
                8,
            ),
            (
                Method::POST,
                "/onlineagent/101/cancelrest",
                vec!["AgentState_CancelRest_Success", "AgentState_Ready"],
                4,
            ),
        ] {
            let raw = gw.op(method, path, &guid).await;
            assert_eq!(raw.text, OK, "{path}");
            assert_eq!(gw.drain("101", &guid).await, events, "{path}");
            let s = gw
                .op(Method::GET, "/onlineagent/101/agentstatus", &guid)
                .await;
            assert_eq!(s.json()["result"], status, "{path}");
        }
        gw.op(Method::POST, "/onlineagent/101/saybusy?reason=201", &guid)
            .await;
        let busy = sim.control().emitted_events("101").pop().unwrap();
        assert_eq!(busy["content"], json!({"reason":"201"}));
    })
    .await;
}

#[tokio::test]
async fn refused_operations_name_the_reason() {
    bounded(async {
        let sim = start(quick_config()).await;
        let (gw, guid) = signed_in(&sim, sign_in_body("101")).await;
        for (method, path, code) in [
            (Method::POST, "/onlineagent/101/cancelbusy", "100-009"),
            (Method::POST, "/onlineagent/101/cancelrest", "100-009"),
            (Method::POST, "/onlineagent/101/cancelwork", "100-009"),
            (Method::PUT, "/voicecall/101/answer", "100-009"),
            (Method::DELETE, "/voicecall/101/release", "100-009"),
            (Method::POST, "/voicecall/101/hold", "100-009"),
            (
                Method::POST,
                "/onlineagent/101/saybusy?reason=199",
                "000-002",
            ),
            (
                Method::POST,
                "/onlineagent/101/saybusy?reason=251",
                "000-002",
            ),
            (Method::POST, "/onlineagent/101/rest/0/1", "000-002"),
            (Method::POST, "/onlineagent/101/rest/86400/1", "000-002"),
            (Method::POST, "/onlineagent/101/rest/60/256", "000-002"),
        ] {
            assert_eq!(gw.op(method, path, &guid).await.retcode(), code, "{path}");
        }
        assert_eq!(gw.drain("101", &guid).await, Vec::<String>::new());
        gw.op(Method::POST, "/onlineagent/101/rest/60/1", &guid)
            .await;
        assert_eq!(
            gw.op(Method::POST, "/onlineagent/101/sayfree", &guid)
                .await
                .retcode(),
            "100-009"
        );
        assert!(
            sim.control().ring("101", ring()).is_err(),
            "no call for a resting agent"
        );
    })
    .await;
}

#[tokio::test]
async fn rest_times_out_with_a_reminder() {
    bounded(async {
        let sim = start(quick_config()).await;
        let (gw, guid) = signed_in(&sim, sign_in_body("101")).await;
        gw.op(Method::POST, "/onlineagent/101/rest/1/0", &guid)
            .await;
        assert_eq!(
            gw.next_event("101", &guid).await["eventType"],
            "AgentState_SetRest_Success"
        );
        let reminder = gw.next_event("101", &guid).await;
        assert_eq!(reminder["eventType"], "AgentState_Rest_Timeout");
        assert_eq!(
            sim.control().agent_state("101").unwrap().status,
            8,
            "still resting"
        );
    })
    .await;
}

#[tokio::test]
async fn a_call_rings_is_answered_held_resumed_and_released() {
    bounded(async {
        let sim = start(quick_config()).await;
        let (gw, guid) = signed_in(&sim, sign_in_body("101")).await;
        let callid = sim.control().ring("101", ring()).unwrap();
        assert_eq!(gw.drain("101", &guid).await, ["AgentEvent_Ringing"]);
        assert_eq!(sim.control().agent_state("101").unwrap().call.unwrap().phase, "ringing");

        assert_eq!(gw.op(Method::PUT, "/voicecall/101/answer", &guid).await.text, OK);
        let talking = gw.next_event("101", &guid).await;
        assert_eq!(talking["eventType"], "AgentEvent_Talking");
        assert_eq!(talking["content"], json!({"caller":"+4930555","called":"4001","callid":callid,"feature":"0","type":"main","mediaAbility":"1"}));
        assert_eq!(gw.drain("101", &guid).await, ["AgentState_Busy"]);
        assert_eq!(sim.control().agent_state("101").unwrap().status, 7);

        assert_eq!(gw.op(Method::POST, "/voicecall/101/hold", &guid).await.text, OK);
        let hold = gw.next_event("101", &guid).await;
        assert_eq!((hold["eventType"].as_str(), &hold["content"]), (Some("AgentEvent_Hold"), &json!(callid)));
        assert_eq!(gw.op(Method::POST, "/voicecall/101/gethold?callid=nope", &guid).await.retcode(), "000-002");
        let path = format!("/voicecall/101/gethold?callid={callid}");
        assert_eq!(gw.op(Method::POST, &path, &guid).await.text, OK);
        assert_eq!(gw.drain("101", &guid).await, ["AgentEvent_Talking"]);

        assert_eq!(gw.op(Method::DELETE, "/voicecall/101/release", &guid).await.text, OK);
        let all = sim.control().emitted_events("101");
        let tail: Vec<_> = all[all.len() - 4..].to_vec();
        assert_eq!(tail[0]["eventType"], "AgentEvent_Call_Release");
        assert_eq!(tail[0]["content"], json!(callid));
        assert_eq!(tail[1]["eventType"], "AgentEvent_Customer_Release");
        assert_eq!(tail[1]["content"], json!({"callid":callid,"number":"+4930555"}));
        assert_eq!(tail[2]["eventType"], "AgentOther_PhoneRelease");
        assert_eq!(tail[2]["content"], json!({"phoneState":3}));
        assert_eq!(tail[3]["eventType"], "AgentState_Ready");
        assert_eq!(gw.drain("101", &guid).await.len(), 4);
    })
    .await;
}

#[tokio::test]
async fn autoanswer_and_wrap_up_after_the_customer_hangs_up() {
    bounded(async {
        let sim = start(quick_config()).await;
        let body = json!({"password":"Agent#101","phonenum":"70001","autoenteridle":false});
        let (gw, guid) = signed_in(&sim, body).await;
        sim.control().ring("101", ring()).unwrap();
        assert_eq!(
            gw.drain("101", &guid).await,
            [
                "AgentEvent_Auto_Answer",
                "AgentEvent_Talking",
                "AgentState_Busy"
            ]
        );
        sim.control().customer_hang_up("101").unwrap();
        assert_eq!(
            gw.drain("101", &guid).await,
            [
                "AgentEvent_Customer_Release",
                "AgentEvent_Call_Release",
                "AgentOther_PhoneRelease",
                "AgentState_Work",
            ]
        );
        assert_eq!(sim.control().agent_state("101").unwrap().status, 5);
        assert!(sim.control().customer_hang_up("101").is_err());
    })
    .await;
}

#[tokio::test]
async fn transfer_hands_the_call_on() {
    bounded(async {
        let sim = start(quick_config()).await;
        let (gw, guid) = signed_in(&sim, sign_in_body("101")).await;
        sim.control()
            .ring(
                "101",
                Ring {
                    transfer_from: Some("102".into()),
                    ..ring()
                },
            )
            .unwrap();
        let ringing = gw.next_event("101", &guid).await;
        assert_eq!(
            (
                ringing["content"]["transfer"].as_str(),
                ringing["content"]["transfrom"].as_str()
            ),
            (Some("yes"), Some("102"))
        );
        let transfer = json!({"devicetype":2,"address":"103","mode":0});
        let early = gw
            .call(
                Method::POST,
                "/voicecall/101/transfer",
                Some(&guid),
                Some(transfer.clone()),
            )
            .await;
        assert_eq!(
            early.retcode(),
            "100-009",
            "a ringing call cannot be transferred"
        );
        gw.op(Method::PUT, "/voicecall/101/answer", &guid).await;
        gw.drain("101", &guid).await;
        let bad = gw
            .call(
                Method::POST,
                "/voicecall/101/transfer",
                Some(&guid),
                Some(json!({"devicetype":9,"address":"1"})),
            )
            .await;
        assert_eq!(bad.retcode(), "000-002");
        let raw = gw
            .call(
                Method::POST,
                "/voicecall/101/transfer",
                Some(&guid),
                Some(transfer),
            )
            .await;
        assert_eq!(raw.text, OK);
        // Release (blind) mode: the agent leaves at once, whatever becomes of the call.
        assert_eq!(
            gw.drain("101", &guid).await,
            [
                "AgentEvent_Call_Release",
                "AgentOther_PhoneRelease",
                "AgentState_Ready"
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn calldata_is_kept_per_call_and_limited_to_16_kb() {
    bounded(async {
        let sim = start(quick_config()).await;
        let (gw, guid) = signed_in(&sim, sign_in_body("101")).await;
        let set = |body: serde_json::Value| {
            gw.call(
                Method::PUT,
                "/calldata/101/setcalldataex",
                Some(&guid),
                Some(body),
            )
        };
        assert_eq!(
            set(json!({"callid":"1-1","calldata":"x","isDataEncoded":false}))
                .await
                .retcode(),
            "100-009",
            "no call"
        );
        let callid = sim.control().ring("101", ring()).unwrap();
        let query = format!("/calldata/101/appdata?callId={callid}");
        assert_eq!(
            gw.op(Method::GET, &query, &guid).await.text,
            r#"{"message":"","retcode":"0","result":"cust=7"}"#
        );

        assert_eq!(
            set(json!({"callid":callid,"calldata":"order=42","isDataEncoded":false}))
                .await
                .text,
            OK
        );
        assert_eq!(
            gw.op(Method::GET, &query, &guid).await.json()["result"],
            "order=42"
        );
        assert_eq!(sim.control().calldata("101").as_deref(), Some("order=42"));

        let b64 = base64::engine::general_purpose::STANDARD;
        assert_eq!(
            set(json!({"callid":callid,"calldata":b64.encode("ünïcode"),"isDataEncoded":true}))
                .await
                .text,
            OK
        );
        assert_eq!(
            gw.op(Method::GET, &query, &guid).await.json()["result"],
            "ünïcode"
        );

        let max = "y".repeat(16 * 1024);
        assert_eq!(
            set(json!({"callid":callid,"calldata":b64.encode(&max),"isDataEncoded":true}))
                .await
                .retcode(),
            "0"
        );
        let over = "y".repeat(16 * 1024 + 1);
        let raw = set(json!({"callid":callid,"calldata":over,"isDataEncoded":false})).await;
        assert_eq!(
            raw.json(),
            json!({"message":"calldata rejected: over 16 KB","retcode":"400-001"})
        );
        assert_eq!(
            set(json!({"callid":callid,"calldata":"%%","isDataEncoded":true}))
                .await
                .retcode(),
            "000-002"
        );
        assert_eq!(
            set(json!({"callid":"other","calldata":"a"}))
                .await
                .retcode(),
            "000-002"
        );
        assert_eq!(set(json!({"calldata":"a"})).await.retcode(), "000-002");
        assert_eq!(
            gw.op(Method::GET, "/calldata/101/appdata?callId=nope", &guid)
                .await
                .retcode(),
            "000-002"
        );
        assert_eq!(
            gw.op(Method::GET, "/calldata/101/appdata", &guid)
                .await
                .retcode(),
            "000-002"
        );

        // Kept after the call ends.
        gw.op(Method::DELETE, "/voicecall/101/release", &guid).await;
        assert_eq!(
            gw.op(Method::GET, &query, &guid).await.json()["result"],
            max
        );
        assert_eq!(sim.control().calldata("101"), None, "no current call");
    })
    .await;
}
