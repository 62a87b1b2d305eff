//! Shared helpers: a simulator with short timings, an HTTPS client that
//! trusts its generated CA, and raw-wire request helpers.
#![allow(dead_code, clippy::unwrap_used)]

use std::time::Duration;

use agentgateway_sim::{AuthMode, CallTimings, SimConfig, Simulator};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

pub const JSON_UTF8: &str = "application/json; charset=UTF-8";

/// Short timings: a poll is held 5 × 20 ms = 100 ms; static auth unless a test
/// asks for dynamic.
pub fn quick_config() -> SimConfig {
    SimConfig {
        poll_wait_times: 5,
        poll_wait_interval: Duration::from_millis(20),
        auth: AuthMode::Static,
        ..SimConfig::default()
    }
}

/// [`quick_config`] with far ends that answer in 60 ms, fail in 20 ms and
/// give up after 400 ms; colleagues answer in 50 ms.
pub fn calls_config() -> SimConfig {
    SimConfig {
        calls: CallTimings {
            answer_after: Duration::from_millis(60),
            fail_after: Duration::from_millis(20),
            no_answer_after: Duration::from_millis(400),
            colleague_answer_after: Duration::from_millis(50),
            ivr_return_after: Duration::from_millis(100),
        },
        ..quick_config()
    }
}

pub async fn start(cfg: SimConfig) -> Simulator {
    Simulator::start(cfg).await.expect("simulator starts")
}

/// An HTTPS client trusting only the simulator's CA.
pub fn client(sim: &Simulator) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .timeout(Duration::from_secs(10));
    if let Some(pem) = sim.ca_pem() {
        builder =
            builder.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap());
    }
    builder.build().unwrap()
}

/// A raw answer: status, headers, body text.
pub struct Raw {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Raw {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    pub fn retcode(&self) -> String {
        self.json()["retcode"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
    /// The GUID from `Set-GUID: JSESSIONID=<guid>`.
    pub fn set_guid(&self) -> Option<String> {
        let v = self.headers.get("set-guid")?.to_str().ok()?;
        Some(
            v.strip_prefix("JSESSIONID=")
                .expect("JSESSIONID= prefix")
                .to_owned(),
        )
    }
    pub fn content_type(&self) -> String {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

pub struct Gw {
    pub base: String,
    pub http: reqwest::Client,
}

impl Gw {
    pub fn new(sim: &Simulator) -> Self {
        Self {
            base: sim.gateway_url(),
            http: client(sim),
        }
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        guid: Option<&str>,
        body: Option<Value>,
    ) -> Raw {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .header("Content-Type", JSON_UTF8);
        if let Some(g) = guid {
            req = req.header("Guid", g);
        }
        if let Some(b) = body {
            req = req.body(b.to_string());
        }
        let resp = req.send().await.expect("request answered");
        Raw {
            status: resp.status(),
            headers: resp.headers().clone(),
            text: resp.text().await.expect("body read"),
        }
    }

    pub async fn sign_in_with(&self, agent: &str, body: Value) -> Raw {
        self.call(
            Method::PUT,
            &format!("/onlineagent/{agent}"),
            None,
            Some(body),
        )
        .await
    }

    /// Sign in with the demo password; returns the GUID.
    pub async fn sign_in(&self, agent: &str) -> String {
        let raw = self.sign_in_with(agent, sign_in_body(agent)).await;
        assert_eq!(raw.retcode(), "0", "{}", raw.text);
        raw.set_guid().expect("Set-GUID on sign-in")
    }

    pub async fn poll(&self, agent: &str, guid: &str) -> Raw {
        self.call(
            Method::GET,
            &format!("/agentevent/{agent}"),
            Some(guid),
            None,
        )
        .await
    }

    /// Poll until an answer without event; return the event types seen.
    pub async fn drain(&self, agent: &str, guid: &str) -> Vec<String> {
        let mut types = Vec::new();
        for _ in 0..200 {
            let raw = self.poll(agent, guid).await;
            assert_eq!(raw.retcode(), "0", "{}", raw.text);
            match raw.json().get("event") {
                Some(ev) => types.push(ev["eventType"].as_str().unwrap().to_owned()),
                None => return types,
            }
        }
        panic!("queue never drained");
    }

    /// The next event (waits up to the poll hold, repeatedly, for `tries`).
    pub async fn next_event(&self, agent: &str, guid: &str) -> Value {
        for _ in 0..100 {
            let raw = self.poll(agent, guid).await;
            assert_eq!(raw.retcode(), "0", "{}", raw.text);
            if let Some(ev) = raw.json().get("event") {
                return ev.clone();
            }
        }
        panic!("no event came");
    }

    /// Every event until (and with) the first of type `last`, as
    /// `[eventType, content]` pairs.
    pub async fn until(&self, agent: &str, guid: &str, last: &str) -> Vec<Value> {
        let mut seen = Vec::new();
        for _ in 0..100 {
            let ev = self.next_event(agent, guid).await;
            let pair = json!([ev["eventType"], ev["content"]]);
            seen.push(pair);
            if ev["eventType"] == last {
                return seen;
            }
        }
        panic!("no {last} among {seen:?}");
    }

    /// The queued events now, as `[eventType, content]` pairs.
    pub async fn drain_events(&self, agent: &str, guid: &str) -> Vec<Value> {
        let mut seen = Vec::new();
        for _ in 0..200 {
            let raw = self.poll(agent, guid).await;
            match raw.json().get("event") {
                Some(ev) => seen.push(json!([ev["eventType"], ev["content"]])),
                None => return seen,
            }
        }
        panic!("queue never drained");
    }

    /// An operation with a JSON body.
    pub async fn send(&self, method: Method, path: &str, guid: &str, body: Value) -> Raw {
        self.call(method, path, Some(guid), Some(body)).await
    }

    /// Sign in with `autoanswer` false and drain the sign-in events.
    pub async fn ready(&self, agent: &str) -> String {
        let guid = self.sign_in(agent).await;
        self.drain(agent, &guid).await;
        guid
    }

    pub async fn op(&self, method: Method, path: &str, guid: &str) -> Raw {
        self.call(method, path, Some(guid), None).await
    }
}

/// `{"message":"","retcode":"0","result":…}`.
pub fn ok(result: Value) -> Value {
    json!({"message":"","retcode":"0","result":result})
}

/// A refusal answer.
pub fn refused(retcode: &str, message: &str) -> Value {
    json!({"message":message,"retcode":retcode})
}

pub fn sign_in_body(agent: &str) -> Value {
    json!({"password": format!("Agent#{agent}"), "phonenum": "70001", "autoanswer": false})
}

/// Bound a test: fail rather than hang.
pub async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(30), f)
        .await
        .expect("test finished in time")
}
