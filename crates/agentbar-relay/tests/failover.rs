//! One relay instance killed (SIGKILL) in the middle of a stream of events,
//! with both instances behind one address: the gateway's pushes and the
//! bar's subscription move to the other instance, and the bar gets every
//! event exactly once, in order.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_instance_loses_and_repeats_nothing() {
    require_nats();
    let nats = Nats::start().await;
    let cert = SiteCert::new();
    let mut first = RelayProcess::start(&nats.url(), &cert).await;
    let second = relay(&[nats.url()], &cert).await;
    let local = |p: u16| std::net::SocketAddr::from(([127, 0, 0, 1], p));
    let push = forwarder(vec![
        local(first.push_port),
        second.push_addr().expect("push"),
    ])
    .await;
    let subscribe = forwarder(vec![local(first.subscribe_port), second.subscribe_addr()]).await;
    let sim = simulator().await;
    let s = relay_session(&sim, "101", push, &[subscribe], &cert);
    let mut sub = s.subscribe();
    let mut seen = Vec::new();
    s.sign_in(sign_in_req("101"), false).await.expect("sign in");
    for n in 0..30 {
        if n == 12 {
            // The killed instance did take part: it stored pushes and served the bar.
            let metrics = metrics_of(first.admin_port).await;
            assert!(
                counter(&metrics, "agentbar_relay_events_stored_total") > 0,
                "{metrics}"
            );
            assert!(
                counter(&metrics, "agentbar_relay_events_delivered_total") > 0,
                "{metrics}"
            );
            assert_eq!(
                counter(&metrics, "agentbar_relay_subscribers"),
                1,
                "{metrics}"
            );
            first.kill();
        }
        sim.control()
            .inject(
                "101",
                json!({"eventType":"AgentTest_Marker","workNo":"101","content":{"n":n}}),
            )
            .expect("inject");
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    collect_until(&mut sub, &mut seen, Duration::from_secs(30), |seen| {
        seen.iter().any(|e| e.raw["content"]["n"] == 29)
    })
    .await;
    drain(&mut sub, &mut seen, Duration::from_millis(800)).await;
    let got: Vec<Value> = seen.iter().map(|e| e.raw.clone()).collect();
    assert_eq!(
        got,
        sim.control().emitted_events("101"),
        "every event once, in order"
    );
    let metrics = metrics_of(second.admin_addr().port()).await;
    assert!(
        counter(&metrics, "agentbar_relay_events_delivered_total") > 0,
        "{metrics}"
    );
    s.sign_out(true).await.expect("sign out");
    second.shutdown().await;
}
