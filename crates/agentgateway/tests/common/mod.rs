//! Shared helpers: a simulator with short timings and a session that trusts
//! only its generated CA.
#![allow(dead_code)]

use std::time::Duration;

use agentgateway::engine::{PollTiming, Session, SessionConfig, Subscription, Update};
use agentgateway::{Client, ClientConfig, Event, Secret, SignIn, Trust};
use agentgateway_sim::{AuthMode, SimConfig, Simulator};

/// A poll is held 5 × 20 ms = 100 ms; static GUIDs unless a test asks.
pub fn quick_config() -> SimConfig {
    SimConfig {
        poll_wait_times: 5,
        poll_wait_interval: Duration::from_millis(20),
        auth: AuthMode::Static,
        ..SimConfig::default()
    }
}

pub async fn start(cfg: SimConfig) -> Simulator {
    Simulator::start(cfg).await.expect("simulator starts")
}

pub fn trust(sim: &Simulator) -> Trust {
    Trust::only_ca(sim.ca_pem().expect("generated CA"))
}

pub fn client_config(agent: &str, urls: Vec<String>, trust: Trust) -> ClientConfig {
    let mut c = ClientConfig::new(agent, urls, trust);
    c.hold_time = Duration::from_millis(100);
    c.request_timeout = Duration::from_secs(5);
    c
}

pub fn client(sim: &Simulator, agent: &str) -> Client {
    Client::new(client_config(agent, vec![sim.gateway_url()], trust(sim))).expect("client")
}

pub fn sign_in_req(agent: &str) -> SignIn {
    SignIn::new(Secret::new(format!("Agent#{agent}")), format!("70{agent}"))
}

pub fn fast_timing() -> PollTiming {
    PollTiming {
        after_answer: Duration::from_millis(200),
        after_event: Duration::from_millis(200),
        after_http_error: Duration::from_millis(1100),
        backoff_initial: Duration::from_millis(200),
        backoff_cap: Duration::from_secs(2),
    }
}

pub fn session_on(urls: Vec<String>, trust: Trust, agent: &str) -> Session {
    let mut cfg = SessionConfig::new(client_config(agent, urls, trust));
    cfg.timing = fast_timing();
    Session::new(cfg).expect("session")
}

pub fn session(sim: &Simulator, agent: &str) -> Session {
    session_on(vec![sim.gateway_url()], trust(sim), agent)
}

/// Waits (bounded) for the next update matching `pick`, collecting the events seen meanwhile.
pub async fn wait_for<T>(
    sub: &mut Subscription,
    events: &mut Vec<Event>,
    within: Duration,
    mut pick: impl FnMut(&Update) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let u = tokio::time::timeout_at(deadline, sub.recv())
            .await
            .expect("update arrives in time")
            .expect("session alive");
        if let Update::Event(e) = &u {
            events.push(e.clone());
        }
        if let Some(t) = pick(&u) {
            return t;
        }
    }
}

/// Waits for an event of the given type.
pub async fn wait_event(
    sub: &mut Subscription,
    events: &mut Vec<Event>,
    event_type: &str,
) -> Event {
    wait_for(sub, events, Duration::from_secs(10), |u| match u {
        Update::Event(e) if e.event_type == event_type => Some(e.clone()),
        _ => None,
    })
    .await
}

/// Waits until `cond` holds (bounded).
pub async fn eventually(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + within;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
