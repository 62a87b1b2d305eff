//! Calls between agents on the raw wire: internal calls, consults
//! (two-party and three-party help), joining a held call, dropping a call
//! or a party, and consults nobody answers.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use agentgateway_sim::{Colleague, Ring, Simulator};
use common::*;
use reqwest::Method;
use serde_json::{Value, json};

const HELP: &str = "/voicecall/101/innerhelp";

fn types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e[0].as_str().unwrap()).collect()
}

/// 101 talking with a customer; returns the GUID and the customer call ID.
async fn talking(sim: &Simulator, gw: &Gw) -> (String, String) {
    let guid = gw.ready("101").await;
    let ring = Ring {
        caller: "+4930555".into(),
        called: "4001".into(),
        ..Ring::default()
    };
    let callid = sim.control().ring("101", ring).unwrap();
    gw.op(Method::PUT, "/voicecall/101/answer", &guid).await;
    gw.drain("101", &guid).await;
    (guid, callid)
}

/// The colleague's emitted events after the first `skip`, as type names.
fn colleague_events(sim: &Simulator, agent: &str, skip: usize) -> Vec<String> {
    sim.control().emitted_events(agent)[skip..]
        .iter()
        .map(|e| e["eventType"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn an_internal_call_rings_the_other_agent_and_ends_on_both_sides() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let g1 = gw.ready("101").await;
        let g2 = gw.ready("102").await;
        let inner = "/voicecall/101/callinner";
        assert_eq!(gw.send(Method::PUT, inner, &g1, json!({"called":"101"})).await.retcode(), "000-002");
        let raw = gw.send(Method::PUT, inner, &g1, json!({"called":"102"})).await;
        let id = raw.json()["result"].as_str().unwrap().to_owned();
        assert_eq!(raw.json(), ok(json!(id)));
        assert_eq!(
            gw.drain_events("101", &g1).await,
            [
                json!(["AgentState_Busy", null]),
                json!(["AgentEvent_Customer_Alerting", {"callid":id,"otherPhoneWorkno":"102","otherPhone":"102","type":"main"}]),
            ]
        );
        assert_eq!(
            gw.drain_events("102", &g2).await,
            [json!(["AgentEvent_Ringing", {"caller":"101","called":"102","callid":id,"transfer":"no","transfrom":"",
                "type":"main","mediaType":"5","mediaAbility":"1","feature":"6"}])]
        );
        gw.op(Method::PUT, "/voicecall/102/answer", &g2).await;
        assert_eq!(gw.drain("102", &g2).await, ["AgentEvent_Talking", "AgentState_Busy"]);
        assert_eq!(
            gw.drain_events("101", &g1).await,
            [json!(["AgentEvent_Talking", {"caller":"101","called":"102","callid":id,"feature":"6","type":"main","mediaAbility":"1"}])]
        );
        gw.op(Method::DELETE, "/voicecall/102/release", &g2).await;
        assert_eq!(
            gw.drain_events("101", &g1).await,
            [
                json!(["AgentEvent_Customer_Release", {"callid":id,"number":"102"}]),
                json!(["AgentEvent_Call_Release", id]),
                json!(["AgentOther_PhoneRelease", {"phoneState":3}]),
                json!(["AgentState_Ready", null]),
            ]
        );
        assert_eq!(sim.control().statistics("101")["intercallnums"], 1);

        // Not signed in: fails at once. A colleague who never answers: after the ring time.
        let raw = gw.send(Method::PUT, inner, &g1, json!({"called":"103"})).await;
        let id = raw.json()["result"].as_str().unwrap().to_owned();
        assert_eq!(
            gw.drain_events("101", &g1).await,
            [
                json!(["AgentState_Busy", null]),
                json!(["AgentEvent_Inside_Call_Fail", id]),
                json!(["AgentState_Ready", null]),
            ]
        );
        let never = Colleague { never_answer: true, ..Colleague::default() };
        sim.control().set_colleague("104", never).unwrap();
        let raw = gw.send(Method::PUT, inner, &g1, json!({"called":"104"})).await;
        let id = raw.json()["result"].as_str().unwrap().to_owned();
        assert_eq!(sim.control().calls("104")[0].phase, "ringing");
        let events = gw.until("101", &g1, "AgentState_Ready").await;
        assert_eq!(types(&events), ["AgentState_Busy", "AgentEvent_Customer_Alerting", "AgentEvent_Inside_Call_Fail", "AgentState_Ready"]);
        assert_eq!(events[2][1], json!(id));
        assert!(sim.control().calls("104").is_empty(), "the colleague's ringing leg is gone");
        assert_eq!(sim.control().agent_state("104").unwrap().status, 4);
    })
    .await;
}

#[tokio::test]
async fn two_party_help_then_conference_then_a_party_leaves() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        sim.control().set_colleague("102", Colleague::default()).unwrap();
        let (guid, c) = talking(&sim, &gw).await;
        let raw = gw.send(Method::POST, HELP, &guid, json!({"dstaddress":"102","devicetype":2,"mode":1})).await;
        let h = raw.json()["result"].as_str().unwrap().to_owned();
        assert_eq!(
            gw.until("101", &guid, "AgentEvent_Talking").await,
            [
                json!(["AgentEvent_Hold", c]),
                json!(["AgentEvent_Talking", {"caller":"101","called":"102","callid":h,"feature":"51","type":"main","mediaAbility":"1"}]),
            ]
        );
        assert_eq!(gw.op(Method::GET, "/calldata/101/allcallid", &guid).await.json(), ok(json!([c, h])));
        let holdlist = gw.op(Method::GET, "/calldata/101/holdlist", &guid).await.json();
        let held = &holdlist["result"][0];
        assert_eq!((held["callid"].as_str(), held["caller"].as_str(), held["callfeature"].as_u64()), (Some(c.as_str()), Some("+4930555"), Some(0)));
        assert_eq!(holdlist["result"].as_array().unwrap().len(), 1);

        let join = "/voicecall/101/confjoin";
        let raw = gw.send(Method::POST, join, &guid, json!({"callid":h})).await;
        assert_eq!(raw.json(), refused("200-011", "no held call to join"));
        let raw = gw.send(Method::POST, join, &guid, json!({"callid":c})).await;
        assert_eq!(raw.json(), ok(json!(null)));
        assert_eq!(
            gw.drain_events("101", &guid).await,
            [json!(["AgentEvent_Conference", {"callid":c,"partner":"+4930555,102"}])]
        );
        let calls = sim.control().calls("101");
        assert_eq!(calls.len(), 1);
        assert_eq!((calls[0].feature.as_str(), calls[0].parties.clone()), ("53", vec!["+4930555".to_owned(), "102".to_owned()]));
        assert_eq!(gw.op(Method::GET, "/calldata/101/holdlist", &guid).await.retcode(), "400-003");

        let before = sim.control().emitted_events("102").len();
        assert_eq!(gw.op(Method::POST, "/voicecall/101/disconnect/999", &guid).await.retcode(), "000-002");
        assert_eq!(gw.op(Method::POST, "/voicecall/101/disconnect/102", &guid).await.json(), ok(json!(null)));
        assert_eq!(
            gw.drain_events("101", &guid).await,
            [json!(["AgentEvent_Customer_Release", {"callid":c,"number":"102"}])]
        );
        assert_eq!(
            colleague_events(&sim, "102", before),
            ["AgentEvent_Customer_Release", "AgentEvent_Call_Release", "AgentOther_PhoneRelease", "AgentState_Ready"]
        );
        assert_eq!(sim.control().calls("101")[0].feature, "0");
        sim.control().customer_hang_up_call("101", &c).unwrap();
        assert_eq!(
            gw.drain("101", &guid).await,
            ["AgentEvent_Customer_Release", "AgentEvent_Call_Release", "AgentOther_PhoneRelease", "AgentState_Ready"]
        );
        assert_eq!(sim.control().statistics("101")["interhelpnums"], 1);
    })
    .await;
}

#[tokio::test]
async fn help_from_a_skill_is_taken_back_and_three_party_help_joins_at_once() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        sim.control()
            .set_colleague("104", Colleague::default())
            .unwrap();
        let (guid, c) = talking(&sim, &gw).await;
        let raw = gw
            .send(
                Method::POST,
                HELP,
                &guid,
                json!({"dstaddress":"2","devicetype":1}),
            )
            .await;
        let h = raw.json()["result"].as_str().unwrap().to_owned();
        gw.until("101", &guid, "AgentEvent_Talking").await;
        assert_eq!(
            sim.control().calls("104")[0].callid,
            h,
            "Billing (2) reaches 104"
        );
        let path = format!("/voicecall/101/dropcall/{h}");
        assert_eq!(
            gw.op(Method::POST, &path, &guid).await.json(),
            ok(json!(null))
        );
        let events = gw.drain_events("101", &guid).await;
        assert_eq!(events[0], json!(["AgentEvent_Call_Release", h]));
        assert_eq!(
            events[1],
            json!(["AgentEvent_Customer_Release", {"callid":h,"number":"104"}])
        );
        assert_eq!(
            (events[2][0].as_str(), events[2][1]["callid"].as_str()),
            (Some("AgentEvent_Talking"), Some(c.as_str()))
        );
        assert_eq!(events.len(), 3);
        assert!(sim.control().calls("104").is_empty());

        let raw = gw
            .send(
                Method::POST,
                HELP,
                &guid,
                json!({"dstaddress":"104","devicetype":2,"mode":2}),
            )
            .await;
        assert_eq!(raw.retcode(), "0");
        assert_eq!(
            gw.until("101", &guid, "AgentEvent_Conference").await,
            [json!(["AgentEvent_Conference", {"callid":c,"partner":"+4930555,104"}])],
            "three-party help does not hold the customer"
        );
        assert_eq!(sim.control().calls("101")[0].feature, "52");
        gw.op(Method::DELETE, "/voicecall/101/release", &guid).await;
        assert_eq!(
            gw.drain("101", &guid).await,
            [
                "AgentEvent_Call_Release",
                "AgentEvent_Customer_Release",
                "AgentOther_PhoneRelease",
                "AgentState_Ready"
            ]
        );
        assert!(
            sim.control().calls("104").is_empty(),
            "the helper's leg ends with the agent's call"
        );
    })
    .await;
}

#[tokio::test]
async fn a_consult_nobody_answers_leaves_the_customer_held() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let never = Colleague {
            never_answer: true,
            ..Colleague::default()
        };
        sim.control().set_colleague("105", never).unwrap();
        let (guid, c) = talking(&sim, &gw).await;
        for body in [
            json!({"dstaddress":"105","devicetype":3}),
            json!({"dstaddress":"105","mode":5}),
            json!({"devicetype":2}),
            json!({"dstaddress":"9","devicetype":1}),
        ] {
            assert_eq!(
                gw.send(Method::POST, HELP, &guid, body.clone())
                    .await
                    .retcode(),
                "000-002",
                "{body}"
            );
        }
        let raw = gw
            .send(Method::POST, HELP, &guid, json!({"dstaddress":"105"}))
            .await;
        let h = raw.json()["result"].as_str().unwrap().to_owned();
        assert_eq!(
            gw.until("101", &guid, "AgentEvent_Consult_Fail").await,
            [
                json!(["AgentEvent_Hold", c]),
                json!(["AgentEvent_Consult_Fail", h])
            ]
        );
        let calls = sim.control().calls("101");
        assert_eq!((calls.len(), calls[0].phase.as_str()), (1, "held"));
        assert_eq!(sim.control().agent_state("101").unwrap().status, 7);
        let path = format!("/voicecall/101/gethold?callid={c}");
        gw.op(Method::POST, &path, &guid).await;
        assert_eq!(gw.drain("101", &guid).await, ["AgentEvent_Talking"]);

        // Nobody of skill 4 (Premium), and 103 not signed in: the consult fails at once.
        for dst in [
            json!({"dstaddress":"4","devicetype":1}),
            json!({"dstaddress":"103"}),
        ] {
            let raw = gw.send(Method::POST, HELP, &guid, dst).await;
            let h = raw.json()["result"].as_str().unwrap().to_owned();
            assert_eq!(
                gw.drain_events("101", &guid).await,
                [
                    json!(["AgentEvent_Hold", c]),
                    json!(["AgentEvent_Consult_Fail", h])
                ]
            );
            gw.op(Method::POST, &path, &guid).await;
            gw.drain("101", &guid).await;
        }
    })
    .await;
}
