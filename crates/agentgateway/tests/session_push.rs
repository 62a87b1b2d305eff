//! The session engine in push mode against the simulator: the simulator
//! posts events to the session's receiver; the heartbeat carries new GUIDs.

mod common;

use std::time::Duration;

use agentgateway::Guid;
use agentgateway::bar::{AgentState, Health};
use agentgateway::push::PushConfig;
use agentgateway::session::{PushMode, Session, SessionConfig, Update};
use agentgateway_sim::{AuthMode, Ring, SimConfig};
use common::*;
use serde_json::{Value, json};

#[tokio::test]
async fn push_mode_delivers_every_event_and_follows_guid_rotation() {
    let sim = start(SimConfig {
        auth: AuthMode::Dynamic {
            interval: Duration::from_millis(400),
            timeout: Duration::from_millis(1500),
        },
        ..quick_config()
    })
    .await;
    let mut cfg = SessionConfig::new(client_config("101", vec![sim.gateway_url()], trust(&sim)));
    cfg.timing = fast_timing();
    let mut mode = PushMode::new(PushConfig::default());
    mode.handshake_every = Duration::from_millis(250);
    cfg.push = Some(mode);
    let s = Session::new(cfg).expect("session");
    let mut sub = s.subscribe();
    let mut seen = Vec::new();
    s.sign_in(sign_in_req("101"), false)
        .await
        .expect("push sign in");
    assert!(s.push_endpoint().await.is_some());
    assert_eq!(
        sim.control()
            .agent_state("101")
            .and_then(|a| a.mode)
            .as_deref(),
        Some("push")
    );
    wait_event(&mut sub, &mut seen, "AgentState_Ready").await;

    for n in 0..5 {
        sim.control()
            .inject(
                "101",
                json!({"eventType":"AgentTest_Marker","workNo":"101","content":{"n":n}}),
            )
            .expect("inject");
    }
    sim.control().ring("101", Ring::default()).expect("ring");
    wait_event(&mut sub, &mut seen, "AgentEvent_Talking").await;
    let mut guids: Vec<Guid> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_millis(1800);
    while let Ok(Some(u)) = tokio::time::timeout_at(deadline, sub.recv()).await {
        match u {
            Update::Guid(Some(g)) => guids.push(g),
            Update::Event(e) => seen.push(e),
            Update::Health(h) => assert!(!matches!(h, Health::SignedOut { .. }), "{h:?}"),
            _ => {}
        }
    }
    assert!(
        guids.len() >= 2,
        "rotations through the heartbeat: {}",
        guids.len()
    );
    assert_eq!(s.state().agent, AgentState::Talking);

    let emitted = sim.control().emitted_events("101");
    let got: Vec<Value> = seen.iter().map(|e| e.raw.clone()).collect();
    assert_eq!(got, emitted, "every pushed event once, in order");

    s.sign_out(true).await.expect("sign out");
    assert!(s.client().guid().is_none());
}
