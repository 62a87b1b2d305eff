//! The long poll: holding, releasing, one event per answer, order, calldata.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use agentgateway_sim::{Ring, SimConfig};
use common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn an_empty_poll_is_held_for_wait_times_by_interval_then_answered_without_event() {
    bounded(async {
        let sim = start(SimConfig {
            poll_wait_times: 10,
            poll_wait_interval: Duration::from_millis(30),
            ..quick_config()
        })
        .await;
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        gw.drain("101", &guid).await;
        let started = Instant::now();
        let raw = gw.poll("101", &guid).await;
        let held = started.elapsed();
        assert!(held >= Duration::from_millis(300), "held {held:?}");
        assert!(held < Duration::from_millis(1500), "held {held:?}");
        assert_eq!(raw.text, r#"{"message":"","retcode":"0"}"#);
        assert_eq!(raw.content_type(), JSON_UTF8);
    })
    .await;
}

#[tokio::test]
async fn a_held_poll_answers_as_soon_as_an_event_arrives() {
    bounded(async {
        let sim = start(SimConfig {
            poll_wait_times: 100,
            poll_wait_interval: Duration::from_millis(50),
            ..quick_config()
        })
        .await;
        let gw = Arc::new(Gw::new(&sim));
        let guid = gw.sign_in("101").await;
        gw.call(Method::GET, "/agentevent/101", Some(&guid), None).await;
        gw.call(Method::GET, "/agentevent/101", Some(&guid), None).await;
        let poll = {
            let (gw, guid) = (gw.clone(), guid.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                (gw.poll("101", &guid).await, started.elapsed())
            })
        };
        tokio::time::sleep(Duration::from_millis(200)).await;
        sim.control().inject("101", json!({"eventType":"AgentOther_Note","workNo":"101","content":{"text":"hi"}})).unwrap();
        let (raw, took) = poll.await.unwrap();
        assert!(took < Duration::from_millis(2000), "took {took:?} of a 5 s hold");
        assert_eq!(raw.text, r#"{"message":"","retcode":"0","event":{"content":{"text":"hi"},"eventType":"AgentOther_Note","workNo":"101"}}"#);
    })
    .await;
}

#[tokio::test]
async fn events_come_one_per_answer_in_order_with_exact_shapes() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        gw.drain("101", &guid).await;
        let callid = sim.control().ring("101", Ring {
            caller: "+493012345678".into(),
            called: "4001".into(),
            ..Ring::default()
        }).unwrap();
        let raw = gw.poll("101", &guid).await;
        let mut body = raw.json();
        let event = body["event"].as_object_mut().unwrap();
        assert!(event.remove("eventGenTime").unwrap().is_u64());
        assert_eq!(body, json!({"message":"","retcode":"0","event":{
            "eventType":"AgentEvent_Ringing","workNo":"101","content":{
                "caller":"+493012345678","called":"4001","callid":callid,"transfer":"no","transfrom":"",
                "type":"main","mediaType":"5","mediaAbility":"1","feature":"0"}}}));
        assert!(raw.text.starts_with(r#"{"message":"","retcode":"0","event":{"eventType":"AgentEvent_Ringing","workNo":"101","content":{"#));
        assert!(callid.split_once('-').is_some());
        assert_eq!(gw.poll("101", &guid).await.text, r#"{"message":"","retcode":"0"}"#);
        // What was emitted is what was delivered, in order.
        let c = sim.control();
        assert_eq!(c.emitted_events("101"), c.delivered_events("101"));
        assert_eq!(c.emitted_events("101").len(), 3);
    })
    .await;
}

#[tokio::test]
async fn injected_events_of_unknown_types_pass_as_is() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        gw.drain("101", &guid).await;
        let odd = json!({"eventType":"AgentChat_Future_Thing","workNo":"101","content":[1,"x",{"y":null}],"extra":true});
        sim.control().inject("101", odd.clone()).unwrap();
        assert_eq!(gw.poll("101", &guid).await.json(), json!({"message":"","retcode":"0","event":odd}));
        assert!(sim.control().inject("101", json!("not an object")).is_err());
        assert!(sim.control().inject("102", odd).is_err(), "102 is not signed in");
    })
    .await;
}

#[tokio::test]
async fn the_poll_calldata_parameter_restores_the_current_call_data_only_when_unset() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        gw.drain("101", &guid).await;
        // No call: the parameter is accepted and ignored.
        let raw = gw
            .call(
                Method::GET,
                "/agentevent/101?calldata=abc",
                Some(&guid),
                None,
            )
            .await;
        assert_eq!(raw.retcode(), "0");
        sim.control()
            .ring(
                "101",
                Ring {
                    caller: "1".into(),
                    called: "2".into(),
                    ..Ring::default()
                },
            )
            .unwrap();
        assert_eq!(sim.control().calldata("101"), None);
        gw.call(
            Method::GET,
            "/agentevent/101?calldata=order%2042",
            Some(&guid),
            None,
        )
        .await;
        assert_eq!(sim.control().calldata("101").as_deref(), Some("order 42"));
        gw.call(
            Method::GET,
            "/agentevent/101?calldata=other",
            Some(&guid),
            None,
        )
        .await;
        assert_eq!(sim.control().calldata("101").as_deref(), Some("order 42"));
    })
    .await;
}
