//! The control API over HTTP, and gateway restarts.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

struct Ctl {
    base: String,
    http: reqwest::Client,
}

impl Ctl {
    fn new(sim: &agentgateway_sim::Simulator) -> Self {
        Self {
            base: sim.control_url(),
            http: reqwest::Client::new(),
        }
    }
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap();
        (resp.status(), resp.json().await.unwrap())
    }
}

#[tokio::test]
async fn control_over_http_rings_injects_and_reads_back() {
    bounded(async {
        let sim = start(quick_config()).await;
        assert!(sim.control_url().starts_with("http://127.0.0.1:"));
        let gw = Gw::new(&sim);
        let ctl = Ctl::new(&sim);
        let (status, body) = ctl
            .call(
                Method::POST,
                "/agents/101/ring",
                Some(json!({"caller":"1","called":"2"})),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(body["kind"], "not_signed_in");
        let (status, body) = ctl.call(Method::GET, "/agents/999", None).await;
        assert_eq!(
            (status, body["kind"].as_str()),
            (StatusCode::NOT_FOUND, Some("unknown_agent"))
        );

        let guid = gw.sign_in("101").await;
        gw.drain("101", &guid).await;
        let (status, body) = ctl
            .call(
                Method::POST,
                "/agents/101/ring",
                Some(json!({"caller":"+4930","called":"4001","calldata":"k=v"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let callid = body["callid"].as_str().unwrap().to_owned();
        let (_, state) = ctl.call(Method::GET, "/agents/101", None).await;
        assert_eq!(state["call"]["callid"], callid.as_str());
        assert_eq!(state["calldata_len"], 3);
        assert_eq!(state["mode"], "polling");
        let (_, cd) = ctl.call(Method::GET, "/agents/101/calldata", None).await;
        assert_eq!(cd, json!({"calldata":"k=v"}));
        let (status, _) = ctl.call(Method::POST, "/agents/101/hangup", None).await;
        assert_eq!(status, StatusCode::OK);

        let (status, _) = ctl
            .call(
                Method::POST,
                "/agents/101/inject",
                Some(json!({"eventType":"X_New","workNo":"101","content":null})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let types = gw.drain("101", &guid).await;
        assert_eq!(types.last().map(String::as_str), Some("X_New"));

        let (_, events) = ctl.call(Method::GET, "/agents/101/events", None).await;
        let (_, delivered) = ctl.call(Method::GET, "/agents/101/delivered", None).await;
        assert_eq!(events, delivered);
        assert_eq!(events.as_array().unwrap().len(), 2 + 1 + 4 + 1);

        let (status, _) = ctl
            .call(
                Method::POST,
                "/faults",
                Some(json!({"target":"poll","count":1,"action":{"type":"status","status":500}})),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (_, faults) = ctl.call(Method::GET, "/faults", None).await;
        assert_eq!(faults.as_array().unwrap().len(), 1);
        assert_eq!(
            gw.poll("101", &guid).await.status,
            StatusCode::INTERNAL_SERVER_ERROR
        );

        let (_, log) = ctl.call(Method::GET, "/requests", None).await;
        assert!(
            log.as_array()
                .unwrap()
                .iter()
                .any(|r| r["fault"] == "status 500")
        );

        let (status, _) = ctl
            .call(Method::POST, "/agents/101/rotate-guid", None)
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = ctl.call(Method::POST, "/agents/101/signout", None).await;
        assert_eq!(status, StatusCode::OK);
        let (_, agents) = ctl.call(Method::GET, "/agents", None).await;
        assert_eq!(agents.as_array().unwrap().len(), 5);
        assert!(
            agents
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["signed_in"] == false)
        );
    })
    .await;
}

#[tokio::test]
async fn a_restart_loses_every_session_and_keeps_the_port() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        let ctl = Ctl::new(&sim);
        let (status, _) = ctl.call(Method::POST, "/gateway/stop", None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!sim.control().gateway_running());
        let refused = gw
            .http
            .get(format!("{}/agentevent/101", sim.gateway_url()))
            .header("Guid", &guid)
            .send()
            .await;
        assert!(refused.is_err(), "nobody listens while stopped");
        let (status, _) = ctl.call(Method::POST, "/gateway/start", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(gw.poll("101", &guid).await.retcode(), "100-006");
        let guid = gw.sign_in("101").await;

        // A held poll is cut by a restart.
        let url = format!("{}/agentevent/101", sim.gateway_url());
        let held = gw.http.get(&url).header("Guid", &guid).send();
        let control = sim.control();
        let restart = control.restart_gateway(Duration::from_millis(50));
        let (held, restarted) = tokio::join!(held, async {
            tokio::time::sleep(Duration::from_millis(30)).await;
            restart.await
        });
        restarted.unwrap();
        // The poll either answered before the stop or was cut; after it the session is gone.
        if let Ok(resp) = held {
            let _ = resp.text().await;
        }
        assert_eq!(gw.poll("101", &guid).await.retcode(), "100-006");
        assert_eq!(
            gw.sign_in_with("101", sign_in_body("101")).await.retcode(),
            "0"
        );
        // Records survive the restart.
        assert!(sim.control().emitted_events("101").len() >= 4);
    })
    .await;
}

#[tokio::test]
async fn dropping_the_simulator_stops_its_listeners() {
    bounded(async {
        let sim = start(quick_config()).await;
        let (gateway, control) = (sim.gateway_url(), sim.control_url());
        let http = client(&sim);
        sim.shutdown().await;
        assert!(
            http.get(format!("{gateway}/agentevent/101"))
                .send()
                .await
                .is_err()
        );
        assert!(http.get(format!("{control}/agents")).send().await.is_err());
        let sim = start(quick_config()).await;
        let control = sim.control_url();
        drop(sim);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(reqwest::get(format!("{control}/agents")).await.is_err());
    })
    .await;
}
