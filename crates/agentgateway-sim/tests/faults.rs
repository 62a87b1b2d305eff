//! Faults on the wire, and the request log's masking.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use std::time::{Duration, Instant};

use agentgateway_sim::{Fault, FaultAction, FaultTarget};
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn status_retcode_and_content_type_faults_replace_the_answer_for_count_requests() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        let c = sim.control();
        c.fault(Fault::new(
            FaultTarget::Poll,
            2,
            FaultAction::Status { status: 503 },
        ));
        for _ in 0..2 {
            let raw = gw.poll("101", &guid).await;
            assert_eq!(raw.status, StatusCode::SERVICE_UNAVAILABLE);
            assert_eq!(raw.text, "Service Unavailable");
        }
        // Used up: the next poll gets the first event, none was lost.
        assert_eq!(
            gw.poll("101", &guid).await.json()["event"]["eventType"],
            "AgentOther_InService"
        );

        c.fault(Fault::new(
            FaultTarget::Poll,
            1,
            FaultAction::Retcode {
                retcode: "105-005".into(),
            },
        ));
        let raw = gw.poll("101", &guid).await;
        assert_eq!(
            raw.json(),
            json!({"message":"simulated fault","retcode":"105-005"})
        );

        c.fault(Fault::new(
            FaultTarget::Any,
            1,
            FaultAction::WrongContentType,
        ));
        let raw = gw.poll("101", &guid).await;
        assert_eq!(raw.status, StatusCode::OK);
        assert!(raw.content_type().starts_with("text/html"));
        assert!(raw.text.starts_with("<html>"));

        c.fault(Fault::new(
            FaultTarget::Operation,
            1,
            FaultAction::MalformedBody,
        ));
        let raw = gw.op(Method::POST, "/onlineagent/101/saybusy", &guid).await;
        assert_eq!(raw.content_type(), JSON_UTF8);
        assert!(serde_json::from_str::<serde_json::Value>(&raw.text).is_err());
        // The faulted operation was not applied.
        assert_eq!(sim.control().agent_state("101").unwrap().status, 4);
        assert_eq!(
            gw.poll("101", &guid).await.json()["event"]["eventType"],
            "AgentState_Ready"
        );
    })
    .await;
}

#[tokio::test]
async fn signin_and_handshake_faults_and_path_prefixes() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let c = sim.control();
        for code in ["105-005", "105-006", "105-007"] {
            c.fault(Fault::new(
                FaultTarget::Signin,
                1,
                FaultAction::Retcode {
                    retcode: code.into(),
                },
            ));
            assert_eq!(
                gw.sign_in_with("101", sign_in_body("101")).await.retcode(),
                code
            );
        }
        assert!(!c.agent_state("101").unwrap().signed_in);
        let guid = gw.sign_in("101").await;
        c.fault(Fault::new(
            FaultTarget::Handshake,
            1,
            FaultAction::Status { status: 500 },
        ));
        assert_eq!(
            gw.op(Method::POST, "/onlineagent/101/handshake", &guid)
                .await
                .status,
            StatusCode::INTERNAL_SERVER_ERROR
        );
        assert_eq!(
            gw.op(Method::POST, "/onlineagent/101/handshake", &guid)
                .await
                .status,
            StatusCode::OK
        );

        c.fault(Fault::new(
            FaultTarget::PathPrefix("/voicecall".into()),
            1,
            FaultAction::Status { status: 502 },
        ));
        assert_eq!(
            gw.op(Method::POST, "/onlineagent/101/sayfree", &guid)
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            gw.op(Method::PUT, "/voicecall/101/answer", &guid)
                .await
                .status,
            StatusCode::BAD_GATEWAY
        );
        assert!(c.pending_faults().is_empty());

        let mut only_102 = Fault::new(FaultTarget::Any, 1, FaultAction::Status { status: 500 });
        only_102.agent = Some("102".into());
        c.fault(only_102);
        assert_eq!(gw.poll("101", &guid).await.status, StatusCode::OK);
        assert_eq!(c.pending_faults().len(), 1);
        c.clear_faults();
        assert!(c.pending_faults().is_empty());
    })
    .await;
}

#[tokio::test]
async fn delay_holds_then_answers_normally() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        sim.control().fault(Fault::new(
            FaultTarget::Operation,
            1,
            FaultAction::Delay { ms: 300 },
        ));
        let started = Instant::now();
        let raw = gw.op(Method::POST, "/onlineagent/101/saybusy", &guid).await;
        assert!(started.elapsed() >= Duration::from_millis(300));
        assert_eq!(raw.retcode(), "0");
        assert_eq!(sim.control().agent_state("101").unwrap().status, 3);
    })
    .await;
}

#[tokio::test]
async fn dropped_and_truncated_answers_fail_on_the_client() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        let url = format!("{}/agentevent/101", sim.gateway_url());

        sim.control()
            .fault(Fault::new(FaultTarget::Poll, 1, FaultAction::Drop));
        let err = gw
            .http
            .get(&url)
            .header("Guid", &guid)
            .send()
            .await
            .expect_err("dropped");
        assert!(!err.is_status());

        sim.control()
            .fault(Fault::new(FaultTarget::Poll, 1, FaultAction::TruncatedBody));
        let resp = gw
            .http
            .get(&url)
            .header("Guid", &guid)
            .send()
            .await
            .expect("headers arrive");
        assert_eq!(resp.status(), StatusCode::OK);
        let promised = resp.content_length().unwrap();
        assert!(promised > 40);
        resp.bytes().await.expect_err("body cut short");

        // Nothing was taken from the queue by the faulted polls.
        assert_eq!(
            gw.drain("101", &guid).await,
            ["AgentOther_InService", "AgentState_Ready"]
        );
        let log = sim.control().request_log();
        let faulted: Vec<_> = log
            .iter()
            .filter_map(|r| r.fault.clone().map(|f| (f, r.status)))
            .collect();
        assert_eq!(
            faulted,
            [
                ("drop".to_owned(), None),
                ("truncated body".to_owned(), Some(200))
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn the_request_log_masks_guids_tokens_and_calldata() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        gw.call(
            Method::GET,
            "/agentevent/101?calldata=very%20secret",
            Some(&guid),
            None,
        )
        .await;
        gw.http
            .post(format!("{}/onlineagent/101/handshake", sim.gateway_url()))
            .header("Guid", &guid)
            .header("service_token", "tok3n")
            .send()
            .await
            .unwrap();
        let log = sim.control().request_log();
        assert_eq!(log.len(), 3);
        let (signin, poll, hs) = (&log[0], &log[1], &log[2]);
        assert_eq!(
            (signin.method.as_str(), signin.path.as_str()),
            ("PUT", "/agentgateway/resource/onlineagent/101")
        );
        assert_eq!(signin.status, Some(200));
        assert_eq!(signin.retcode.as_deref(), Some("0"));
        assert!(signin.set_guid);
        assert!(signin.at_ms > 1_600_000_000_000);
        assert!(poll.offset_ms >= signin.offset_ms);
        assert_eq!(poll.query.as_deref(), Some("calldata=<11 bytes>"));
        let header = |r: &agentgateway_sim::LoggedRequest, name: &str| {
            r.headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let tail = &guid.split('.').next().unwrap()[32..];
        assert_eq!(header(poll, "guid"), Some(format!("****{tail}")));
        assert_eq!(header(hs, "service_token").as_deref(), Some("<redacted>"));
        let everything = serde_json::to_string(&log).unwrap();
        for secret in [
            guid.as_str(),
            "Agent#101",
            "very secret",
            "very%20secret",
            "tok3n",
        ] {
            assert!(!everything.contains(secret), "{secret} leaked");
        }
        sim.control().clear_request_log();
        assert!(sim.control().request_log().is_empty());
    })
    .await;
}
