//! Pushes for several agents through two relay instances: every bar gets
//! its own agent's events, all of them, once, in order, whichever instance
//! took the push and whichever serves the bar; a token opens only its own
//! agent's events.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_for_many_agents_reach_the_right_subscribers_only() {
    require_nats();
    let nats = Nats::start().await;
    let cert = SiteCert::new();
    let relays = [
        relay(&[nats.url()], &cert).await,
        relay(&[nats.url()], &cert).await,
    ];
    let sim = simulator().await;
    let agents = ["101", "102", "103", "104", "105"];
    let mut sessions = Vec::new();
    for (i, agent) in agents.iter().enumerate() {
        // Pushed to one instance, served by the other.
        let push = relays[i % 2].push_addr().expect("push port");
        let subscribe = relays[(i + 1) % 2].subscribe_addr();
        let s = relay_session(&sim, agent, push, &[subscribe], &cert);
        let sub = s.subscribe();
        s.sign_in(sign_in_req(agent), false).await.expect("sign in");
        sessions.push((agent, s, sub, Vec::new()));
    }
    for n in 0..5 {
        for agent in agents {
            sim.control()
                .inject(
                    agent,
                    json!({"eventType":"AgentTest_Marker","workNo":agent,"content":{"n":n}}),
                )
                .expect("inject");
        }
    }
    for (agent, _, sub, seen) in &mut sessions {
        collect_until(sub, seen, Duration::from_secs(20), |seen| {
            seen.iter().any(|e| e.raw["content"]["n"] == 4)
        })
        .await;
        drain(sub, seen, Duration::from_millis(600)).await;
        let got: Vec<Value> = seen.iter().map(|e| e.raw.clone()).collect();
        assert_eq!(
            got,
            sim.control().emitted_events(agent),
            "agent {agent}: every event once, in order"
        );
        assert!(
            got.iter().all(|e| e["workNo"] == **agent),
            "{agent}: {got:?}"
        );
    }

    // A token opens its own agent's events, on either instance, and no one else's.
    let token_101 = sessions[0].1.push_resume().expect("relay session").token;
    for r in &relays {
        let (status, text) = raw_subscribe(
            r.subscribe_addr(),
            "101",
            token_101.expose(),
            None,
            Duration::from_millis(800),
            &cert,
        )
        .await;
        assert_eq!(status, 200);
        let got: Vec<Value> = frames(&text).into_iter().map(|(_, e)| e).collect();
        assert_eq!(got, sim.control().emitted_events("101"));
        let (status, text) = raw_subscribe(
            r.subscribe_addr(),
            "102",
            token_101.expose(),
            None,
            Duration::from_millis(200),
            &cert,
        )
        .await;
        assert_eq!(status, 401, "another agent's events: {text}");
        assert!(frames(&text).is_empty());
    }
    for (_, s, _, _) in &sessions {
        s.sign_out(true).await.expect("sign out");
    }
    for r in relays {
        r.shutdown().await;
    }
}
