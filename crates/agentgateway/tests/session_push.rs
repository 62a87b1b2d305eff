//! The session engine in push mode against the simulator: the simulator
//! posts events to the session's receiver; the heartbeat carries new GUIDs.

mod common;

use std::time::Duration;

use agentgateway::Guid;
use agentgateway::bar::{AgentState, Health};
use agentgateway::engine::{PushMode, Session, SessionConfig, Update};
use agentgateway::push::PushConfig;
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

/// A session in push mode whose receiver listens on `port` of 127.0.0.1, so
/// a restarted session is reached at the same `callBackUri`.
fn push_session(sim: &agentgateway_sim::Simulator, port: u16) -> Session {
    let mut cfg = SessionConfig::new(client_config("102", vec![sim.gateway_url()], trust(sim)));
    cfg.timing = fast_timing();
    let mut mode = PushMode::new(PushConfig {
        listen: std::net::SocketAddr::from(([127, 0, 0, 1], port)),
        ..PushConfig::default()
    });
    mode.handshake_every = Duration::from_millis(250);
    cfg.push = Some(mode);
    Session::new(cfg).expect("session")
}

/// Agent 102 answers on the bar: the gateway rings instead of auto-answering.
fn ringing_req() -> agentgateway::SignIn {
    let mut req = sign_in_req("102");
    req.auto_answer = Some(false);
    req
}

fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Waits until a dropped session's receiver has let go of `port`.
async fn port_free(port: u16) {
    eventually("the old receiver to stop", Duration::from_secs(5), || {
        std::net::TcpListener::bind(("127.0.0.1", port)).is_ok()
    })
    .await;
}

/// A gateway that never retries a refused push, as a strict one would not.
fn strict() -> SimConfig {
    let mut cfg = quick_config();
    cfg.push.retry = false;
    cfg
}

#[tokio::test]
async fn a_restarted_push_session_takes_the_next_push() {
    let sim = start(strict()).await;
    let port = free_port();
    let first = push_session(&sim, port);
    let mut sub = first.subscribe();
    let mut seen = Vec::new();
    first
        .sign_in(ringing_req(), false)
        .await
        .expect("push sign in");
    wait_event(&mut sub, &mut seen, "AgentState_Ready").await;
    let guid = first.client().guid().expect("guid");
    let kept = first.push_resume().expect("what a resume needs");
    // A crash: no sign-out, the receiver goes with the process.
    drop(sub);
    drop(first);
    port_free(port).await;

    let second = push_session(&sim, port);
    let mut sub = second.subscribe();
    let how = second
        .resume(guid, None, None, Some(kept))
        .await
        .expect("resume");
    assert_eq!(how, agentgateway::Resumed::Resumed);
    sim.control().ring("102", Ring::default()).expect("ring");
    let mut seen = Vec::new();
    wait_event(&mut sub, &mut seen, "AgentEvent_Ringing").await;
    assert!(
        sim.control()
            .push_log()
            .iter()
            .all(|a| a.agent != "102" || a.outcome == "ok"),
        "no push refused: {:?}",
        sim.control().push_log()
    );
    assert_eq!(second.state().agent, AgentState::Ringing);
}

#[tokio::test]
async fn a_push_session_without_its_token_signs_in_anew_or_says_why() {
    let sim = start(strict()).await;
    let port = free_port();
    let first = push_session(&sim, port);
    first
        .sign_in(ringing_req(), false)
        .await
        .expect("push sign in");
    let guid = first.client().guid().expect("guid");
    drop(first);
    port_free(port).await;

    // No token and no password: never "connected" with nothing listening.
    let second = push_session(&sim, port);
    let err = second
        .resume(guid.clone(), None, None, None)
        .await
        .expect_err("cannot resume");
    assert!(
        matches!(err, agentgateway::SessionError::PushNeedsSignIn),
        "{err:?}"
    );
    assert!(!second.is_running().await);
    drop(second);
    port_free(port).await;

    // With the password: signed in anew, and pushes arrive.
    let third = push_session(&sim, port);
    let mut sub = third.subscribe();
    let how = third
        .resume(guid, Some(ringing_req()), None, None)
        .await
        .expect("signed in anew");
    assert_eq!(how, agentgateway::Resumed::SignedInAnew);
    assert!(third.push_resume().is_some());
    let mut seen = Vec::new();
    wait_event(&mut sub, &mut seen, "AgentState_Ready").await;
    sim.control().ring("102", Ring::default()).expect("ring");
    wait_event(&mut sub, &mut seen, "AgentEvent_Ringing").await;
}

#[tokio::test]
async fn a_push_that_beats_the_sign_in_answer_is_accepted() {
    let mut cfg = strict();
    cfg.signin_answer_delay = Duration::from_millis(600);
    let sim = start(cfg).await;
    let s = push_session(&sim, 0);
    let mut sub = s.subscribe();
    let mut seen = Vec::new();
    let asked = std::time::Instant::now();
    s.sign_in(ringing_req(), false).await.expect("push sign in");
    // The gateway pushed at once and answered 600 ms later.
    assert!(asked.elapsed() >= Duration::from_millis(600));
    wait_event(&mut sub, &mut seen, "AgentState_Ready").await;
    let types: Vec<&str> = seen.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(types, ["AgentOther_InService", "AgentState_Ready"]);
    eventually("the push to be logged", Duration::from_secs(5), || {
        sim.control().push_log().iter().any(|a| a.agent == "102")
    })
    .await;
    let log = sim.control().push_log();
    assert!(log.iter().all(|a| a.outcome == "ok"), "{log:?}");
}

#[tokio::test]
async fn the_bar_says_when_pushes_stop_arriving_while_the_heartbeat_works() {
    let sim = start(strict()).await;
    let mut cfg = SessionConfig::new(client_config("105", vec![sim.gateway_url()], trust(&sim)));
    cfg.timing = fast_timing();
    let mut mode = PushMode::new(PushConfig::default());
    mode.handshake_every = Duration::from_millis(250);
    // The gateway is told to push where nothing listens: every push is lost,
    // the heartbeat still works.
    let dead = free_port();
    mode.callback_uri = Some(format!("https://127.0.0.1:{dead}/push"));
    cfg.push = Some(mode);
    let s = Session::new(cfg).expect("session");
    let mut sub = s.subscribe();
    let mut seen = Vec::new();
    s.sign_in(sign_in_req("105"), false)
        .await
        .expect("push sign in");
    // A call the bar never hears of (auto-answered at the gateway).
    sim.control().ring("105", Ring::default()).expect("ring");
    wait_for(&mut sub, &mut seen, Duration::from_secs(15), |u| match u {
        Update::Health(Health::Reconnecting {
            cause: agentgateway::ReconnectCause::PushesStalled,
            ..
        }) => Some(()),
        _ => None,
    })
    .await;
    // And the bar was set to what the gateway says.
    eventually(
        "the bar reconciled to the call",
        Duration::from_secs(5),
        || s.state().agent == AgentState::Talking,
    )
    .await;
    assert!(
        sim.control()
            .push_log()
            .iter()
            .any(|a| a.agent == "105" && a.outcome.ends_with("dropped")),
        "the pushes were lost"
    );
}
