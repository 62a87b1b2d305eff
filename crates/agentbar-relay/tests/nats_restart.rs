//! JetStream restarted (stopped, or killed) while events flow: nothing acknowledged to the
//! gateway is lost, pushes made meanwhile are repeated by the gateway until
//! stored, and the bar gets every event exactly once, in order.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jetstream_restart_loses_nothing_acknowledged() {
    restart_while_events_flow(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_jetstream_crash_loses_nothing_acknowledged() {
    restart_while_events_flow(true).await;
}

/// Stops (or kills) the server between two runs of events, starts it again.
async fn restart_while_events_flow(crash: bool) {
    require_nats();
    let mut nats = Nats::start().await;
    let cert = SiteCert::new();
    let relay = relay(&[nats.url()], &cert).await;
    let sim = simulator().await;
    let s = relay_session(
        &sim,
        "101",
        relay.push_addr().expect("push"),
        &[relay.subscribe_addr()],
        &cert,
    );
    let mut sub = s.subscribe();
    let mut seen = Vec::new();
    s.sign_in(sign_in_req("101"), false).await.expect("sign in");
    let marker = |n: i32| json!({"eventType":"AgentTest_Marker","workNo":"101","content":{"n":n}});
    for n in 0..5 {
        sim.control().inject("101", marker(n)).expect("inject");
    }
    collect_until(&mut sub, &mut seen, Duration::from_secs(10), |seen| {
        seen.iter().any(|e| e.raw["content"]["n"] == 4)
    })
    .await;
    let acknowledged = sim.control().emitted_events("101");

    if crash {
        nats.crash();
    } else {
        nats.stop();
    }
    for n in 5..10 {
        sim.control().inject("101", marker(n)).expect("inject");
    }
    // Longer than the relay's acknowledgement wait (1 s here): the pushes
    // meanwhile are answered 503 and repeated.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    nats.start_again().await;

    collect_until(&mut sub, &mut seen, Duration::from_secs(30), |seen| {
        seen.iter().any(|e| e.raw["content"]["n"] == 9)
    })
    .await;
    drain(&mut sub, &mut seen, Duration::from_millis(800)).await;
    // The gateway did push while JetStream was away, was refused, and repeated.
    let failed = sim
        .control()
        .push_log()
        .iter()
        .filter(|a| a.agent == "101" && a.outcome != "ok")
        .count();
    assert!(failed > 0, "no push was refused while JetStream was away");
    let metrics = metrics_of(relay.admin_addr().port()).await;
    assert!(
        counter(&metrics, "agentbar_relay_store_failures_total") > 0,
        "{metrics}"
    );
    let got: Vec<Value> = seen.iter().map(|e| e.raw.clone()).collect();
    let emitted = sim.control().emitted_events("101");
    assert_eq!(got, emitted, "every event once, in order");

    // The store itself still holds everything from the sign-in on.
    let token = s.push_resume().expect("relay session").token;
    let (status, text) = raw_subscribe(
        relay.subscribe_addr(),
        "101",
        token.expose(),
        None,
        Duration::from_millis(1000),
        &cert,
    )
    .await;
    assert_eq!(status, 200);
    let stored: Vec<Value> = frames(&text).into_iter().map(|(_, e)| e).collect();
    assert_eq!(
        &stored[..acknowledged.len()],
        &acknowledged[..],
        "acknowledged before the restart"
    );
    assert_eq!(stored, emitted);
    s.sign_out(true).await.expect("sign out");
    relay.shutdown().await;
}
