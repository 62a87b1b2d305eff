//! Skill queues and queries on the raw wire (protocol.md §8, §10-§12):
//! resetskill, skill lists, queue figures with a waiting call, transfer
//! targets, call information, after-call settings and the next state.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use agentgateway_sim::{Colleague, QueueCall, Ring};
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn resetskill_signs_in_to_configured_skills_only() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.ready("102").await;
        let signed_in = "/queuedevice/102/agentskill/102";
        assert_eq!(
            gw.op(Method::GET, signed_in, &guid).await.json(),
            ok(json!([])),
            "none after sign-in"
        );
        let general = json!({"id":1,"name":"General","mediatype":5});
        let billing = json!({"id":2,"name":"Billing","mediatype":5});
        for (path, expected) in [
            (
                "/onlineagent/102/resetskill/false?skillid=2;3;9&phonelinkage=0",
                json!([billing]),
            ),
            (
                "/onlineagent/102/resetskill/true",
                json!([general, billing]),
            ),
            ("/onlineagent/102/resetskill/no", json!([])),
            (
                "/onlineagent/102/resetskill/false?skillid=1",
                json!([general]),
            ),
        ] {
            assert_eq!(
                gw.op(Method::POST, path, &guid).await.json(),
                ok(json!(null)),
                "{path}"
            );
            assert_eq!(
                gw.op(Method::GET, signed_in, &guid).await.json(),
                ok(expected),
                "{path}"
            );
        }
        for path in [
            "/onlineagent/102/resetskill/false?skillid=a",
            "/onlineagent/102/resetskill/true?phonelinkage=2",
        ] {
            assert_eq!(
                gw.op(Method::POST, path, &guid).await.json(),
                refused("000-002", "bad URL or parameter"),
                "{path}"
            );
        }
        let raw = gw
            .op(Method::POST, "/onlineagent/103/resetskill/true", &guid)
            .await;
        assert_eq!(raw.json(), refused("100-006", "agent not signed in"));
        assert_eq!(
            gw.op(Method::GET, "/onlineagent/102/agentskills", &guid)
                .await
                .json(),
            ok(json!([general, billing]))
        );
        assert_eq!(
            gw.op(
                Method::GET,
                "/onlineagent/102/agentskillsbyworkno/104",
                &guid
            )
            .await
            .json(),
            ok(json!([billing, {"id":3,"name":"Technical","mediatype":5}]))
        );
        assert_eq!(
            gw.op(Method::GET, "/queuedevice/102/agentskill/103", &guid)
                .await
                .json(),
            ok(json!([]))
        );
        assert_eq!(
            gw.op(Method::GET, "/queuedevice/102/agentskill/999", &guid)
                .await
                .retcode(),
            "000-002"
        );
        assert_eq!(sim.control().agent_state("102").unwrap().skills, [1]);
    })
    .await;
}

#[tokio::test]
async fn a_waiting_call_is_counted_and_offered_when_an_agent_becomes_idle() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let control = sim.control();
        let guid = gw.ready("101").await;
        gw.op(Method::POST, "/onlineagent/101/saybusy", &guid).await;
        gw.op(Method::POST, "/onlineagent/101/resetskill/true", &guid).await;
        gw.drain("101", &guid).await;
        let call = QueueCall { caller: "+4989111".into(), called: "4003".into(), calldata: Some("k=v".into()), ..QueueCall::default() };
        let id = control.queue_call(2, call).unwrap();
        assert!(control.queue_call(9, QueueCall::default()).is_err());
        assert_eq!(control.queue_waiting(2), 1);
        for (path, n) in [
            ("/queuedevice/101/waitnumbyagent", 1),
            ("/queuedevice/101/waitnum", 1),
            ("/queuedevice/101/skillwaitnum/2", 1),
            ("/queuedevice/101/skillwaitnum/1", 0),
        ] {
            assert_eq!(gw.op(Method::GET, path, &guid).await.json(), ok(json!(n)), "{path}");
        }
        let stat = gw
            .send(Method::POST, "/queuedevice/101/queryacdstat", &guid, json!({"skills":[2,4,9]}))
            .await
            .json();
        assert_eq!(stat["retcode"], "0");
        let entries = stat["result"].as_array().unwrap();
        assert_eq!(entries.len(), 2, "skill 9 does not exist");
        assert_eq!(
            entries[0],
            json!({"deviceNo":2,"skillDescrip":"Billing","pilotNbr":"4003","queueSize":1,"queueTime":0,
                "loggedOnAgents":1,"availAgents":0,"transferFlg":0,"transferDeviceType":0,"transferDeviceNo":""})
        );
        assert_eq!((entries[1]["queueSize"].as_u64(), entries[1]["loggedOnAgents"].as_u64()), (Some(0), Some(0)));
        let too_many: Vec<u32> = (1..=101).collect();
        let raw = gw.send(Method::POST, "/queuedevice/101/queryacdstat", &guid, json!({"skills":too_many})).await;
        assert_eq!(raw.retcode(), "000-002");
        assert_eq!(gw.send(Method::POST, "/queuedevice/101/queryacdstat", &guid, json!({})).await.retcode(), "000-002");

        // Idle again: the waiting call is offered at once.
        gw.op(Method::POST, "/onlineagent/101/cancelbusy", &guid).await;
        let events = gw.until("101", &guid, "AgentEvent_Ringing").await;
        assert_eq!(events[events.len() - 2][0], "AgentEvent_Incoming_CallInfo");
        assert_eq!(events[events.len() - 1][1]["callid"], id.as_str());
        assert_eq!(control.queue_waiting(2), 0);
        let info = gw.op(Method::GET, "/calldata/101/callinfo", &guid).await.json();
        let r = &info["result"];
        assert_eq!(
            (r["callid"].as_str(), r["callskill"].as_str(), r["callskillid"].as_str(), r["calldata"].as_str(), r["callfeature"].as_u64()),
            (Some(id.as_str()), Some("Billing"), Some("2"), Some("k=v"), Some(0))
        );
        let by_id = format!("/calldata/101/callinfobycallid/{id}");
        assert_eq!(gw.op(Method::GET, &by_id, &guid).await.json()["result"]["callid"], id.as_str());
        assert_eq!(gw.op(Method::GET, "/calldata/101/callnums", &guid).await.json(), ok(json!(1)));
        gw.op(Method::DELETE, "/voicecall/101/release", &guid).await;
        assert_eq!(
            gw.op(Method::GET, "/calldata/101/callinfo?isNoContainLastCall=true", &guid).await.json(),
            ok(json!(null))
        );
        let last = gw.op(Method::GET, "/calldata/101/callinfo", &guid).await.json();
        assert_eq!(last["result"]["callid"], id.as_str());
        assert!(last["result"]["endtime"].as_u64().unwrap() > 0);

        // A call nobody can take waits, and is gone when the customer gives up.
        let id = control.queue_call(4, QueueCall::default()).unwrap();
        assert_eq!(control.queue_waiting(4), 1);
        assert!(control.abandon_queued(&id));
        assert!(!control.abandon_queued(&id));
    })
    .await;
}

#[tokio::test]
async fn transfer_targets_and_agent_lists() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.ready("101").await;
        sim.control().set_colleague("102", Colleague::default()).unwrap();
        let busy = Colleague { busy: true, ..Colleague::default() };
        sim.control().set_colleague("104", busy).unwrap();
        assert!(matches!(
            sim.control().set_colleague("101", Colleague::default()),
            Err(agentgateway_sim::ControlError::SignedIn(_))
        ));
        let get = |path: &'static str| {
            let gw = &gw;
            let guid = guid.clone();
            async move { gw.op(Method::GET, path, &guid).await.json()["result"].clone() }
        };
        assert_eq!(get("/queuedevice/101/agentvdnskill").await.as_array().unwrap().len(), 4);
        assert_eq!(
            get("/queuedevice/101/ivrinfo").await,
            json!([{"id":1,"access":"5001","description":"Satisfaction survey","serviceNo":"1"},
                   {"id":2,"access":"5002","description":"Payment by phone","serviceNo":"2"}])
        );
        assert_eq!(
            get("/queuedevice/101/innoinfo").await[2],
            json!({"id":3,"inno":"4003","description":"Billing hotline","mediatype":5,"vdnid":1})
        );
        assert_eq!(
            get("/agentgroup/101/restreason").await[1],
            json!({"restReasonId":1,"restReason":"Lunch"})
        );
        let idle: Vec<String> = get("/agentgroup/101/idleagent").await.as_array().unwrap().iter().map(|a| a["workno"].as_str().unwrap().to_owned()).collect();
        assert_eq!(idle, ["101", "102"]);
        let all = get("/agentgroup/101/allagentstatus").await;
        assert_eq!(
            all[3],
            json!({"workno":"104","name":"David Roth","status":3,"groupName":"Billing","ctiStatus":3})
        );
        assert_eq!(all[2]["status"], 2, "103 signed out");
        let by_skill: Vec<String> = get("/agentgroup/101/agentbyskill/2").await.as_array().unwrap().iter().map(|a| a["workno"].as_str().unwrap().to_owned()).collect();
        assert_eq!(by_skill, ["102", "104"], "101 is in no skill queue yet");
        assert_eq!(gw.op(Method::GET, "/agentgroup/101/agentbyskill/9", &guid).await.retcode(), "000-002");
    })
    .await;
}

#[tokio::test]
async fn busy_or_rest_during_a_call_waits_for_its_end() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.ready("101").await;
        let status = || async {
            gw.op(Method::GET, "/onlineagent/101/agentstatus", &guid)
                .await
                .json()["result"]
                .clone()
        };
        for (ask, event) in [
            (
                "/onlineagent/101/saybusy?reason=205",
                json!(["AgentState_SetNotReady_Success", {"reason":"205"}]),
            ),
            (
                "/onlineagent/101/rest/60/2",
                json!(["AgentState_SetRest_Success", null]),
            ),
        ] {
            gw.op(Method::POST, "/onlineagent/101/sayfree", &guid).await;
            gw.op(Method::POST, "/onlineagent/101/cancelrest", &guid)
                .await;
            sim.control().ring("101", Ring::default()).unwrap();
            gw.op(Method::PUT, "/voicecall/101/answer", &guid).await;
            gw.drain("101", &guid).await;
            assert_eq!(
                gw.op(Method::POST, ask, &guid).await.json(),
                ok(json!(null)),
                "{ask}"
            );
            assert_eq!(
                gw.drain("101", &guid).await,
                Vec::<String>::new(),
                "deferred: {ask}"
            );
            assert_eq!(status().await, 9);
            gw.op(Method::DELETE, "/voicecall/101/release", &guid).await;
            let events = gw.drain_events("101", &guid).await;
            assert_eq!(events.last().unwrap(), &event, "{ask}");
            assert!(!events.iter().any(|e| e[0] == "AgentState_Ready"), "{ask}");
        }
        assert_eq!(status().await, 8);

        // Cancelled before the call ends: idle as usual.
        gw.op(Method::POST, "/onlineagent/101/cancelrest", &guid)
            .await;
        sim.control().ring("101", Ring::default()).unwrap();
        gw.op(Method::POST, "/onlineagent/101/saybusy", &guid).await;
        gw.op(Method::POST, "/onlineagent/101/cancelbusy", &guid)
            .await;
        sim.control().customer_hang_up("101").unwrap();
        assert_eq!(
            gw.drain("101", &guid).await.last().map(String::as_str),
            Some("AgentState_Ready")
        );
    })
    .await;
}

#[tokio::test]
async fn auto_answer_and_after_call_state_can_change_while_signed_in() {
    bounded(async {
        let sim = start(calls_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.ready("101").await;
        assert_eq!(
            gw.op(Method::POST, "/onlineagent/101/autoanswer/maybe", &guid)
                .await
                .retcode(),
            "000-002"
        );
        assert_eq!(
            gw.op(
                Method::POST,
                "/onlineagent/101/autoenteridle/toolong",
                &guid
            )
            .await
            .retcode(),
            "000-002"
        );
        assert_eq!(
            gw.op(Method::POST, "/onlineagent/101/autoanswer/true", &guid)
                .await
                .json(),
            ok(json!(null))
        );
        assert_eq!(
            gw.op(Method::POST, "/onlineagent/101/autoenteridle/no", &guid)
                .await
                .json(),
            ok(json!(null))
        );
        sim.control().ring("101", Ring::default()).unwrap();
        assert_eq!(
            gw.drain("101", &guid).await,
            [
                "AgentEvent_Auto_Answer",
                "AgentEvent_Talking",
                "AgentState_Busy"
            ]
        );
        gw.op(Method::DELETE, "/voicecall/101/release", &guid).await;
        assert_eq!(
            gw.drain("101", &guid).await.last().map(String::as_str),
            Some("AgentState_Work")
        );
        assert_eq!(sim.control().statistics("101")["answernums"], 1);
    })
    .await;
}
