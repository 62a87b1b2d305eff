//! Who may subscribe: only with the agent's current sign-in's token. A
//! wrong token, a malformed one, none, or the token of an earlier sign-in
//! is refused, and a subscription open with an earlier sign-in's token ends
//! when the new sign-in's events arrive.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_or_old_token_is_refused() {
    require_nats();
    let nats = Nats::start().await;
    let cert = SiteCert::new();
    let relay = relay(&[nats.url()], &cert).await;
    let sim = simulator().await;
    let (push, sub_addr) = (relay.push_addr().expect("push"), relay.subscribe_addr());
    let s = relay_session(&sim, "101", push, &[sub_addr], &cert);
    let mut sub = s.subscribe();
    let mut seen = Vec::new();
    s.sign_in(sign_in_req("101"), false).await.expect("sign in");
    sim.control()
        .inject(
            "101",
            json!({"eventType":"AgentTest_Marker","workNo":"101","content":{"n":1}}),
        )
        .expect("inject");
    collect_until(&mut sub, &mut seen, Duration::from_secs(10), |seen| {
        seen.iter().any(|e| e.event_type == "AgentTest_Marker")
    })
    .await;
    let old = s.push_resume().expect("relay session").token;

    // Never granted: a well-formed stranger, a malformed token, none.
    let (status, _) = raw_subscribe(
        sub_addr,
        "101",
        "abcdef0123456789abcdef0123456789",
        None,
        Duration::ZERO,
        &cert,
    )
    .await;
    assert_eq!(status, 401);
    let (status, _) =
        raw_subscribe(sub_addr, "101", "not-a-token!", None, Duration::ZERO, &cert).await;
    assert_eq!(status, 400);
    let (status, _) = raw_subscribe(
        sub_addr,
        "../101",
        old.expose(),
        None,
        Duration::ZERO,
        &cert,
    )
    .await;
    assert!(status == 400 || status == 404, "{status}");

    // A subscription with the first sign-in's token, open across a new sign-in.
    let watcher = {
        let cert_trust = SiteCert {
            dir: tempfile::tempdir().expect("dir"),
            sha256: cert.sha256.clone(),
        };
        // Only the fingerprint is used by a subscriber.
        let token = old.expose().to_owned();
        tokio::spawn(async move {
            raw_subscribe(
                sub_addr,
                "101",
                &token,
                None,
                Duration::from_secs(6),
                &cert_trust,
            )
            .await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    s.sign_out(true).await.expect("sign out");
    s.sign_in(sign_in_req("101"), false)
        .await
        .expect("sign in again");
    let new = s.push_resume().expect("relay session").token;
    assert_ne!(
        new.expose(),
        old.expose(),
        "every sign-in has its own token"
    );
    sim.control()
        .inject(
            "101",
            json!({"eventType":"AgentTest_Marker","workNo":"101","content":{"n":2}}),
        )
        .expect("inject");
    let mut again = Vec::new();
    collect_until(&mut sub, &mut again, Duration::from_secs(10), |seen| {
        seen.iter().any(|e| e.raw["content"]["n"] == 2)
    })
    .await;

    let (status, text) = watcher.await.expect("watcher");
    assert_eq!(status, 200);
    assert!(text.contains("event: superseded"), "{text}");
    let before: Vec<Value> = frames(&text).into_iter().map(|(_, e)| e).collect();
    assert!(
        before.iter().all(|e| e["content"]["n"] != 2),
        "the old token saw the new sign-in's events: {before:?}"
    );

    // The old token is refused now, the new one sees only its sign-in.
    let (status, text) =
        raw_subscribe(sub_addr, "101", old.expose(), None, Duration::ZERO, &cert).await;
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("100-001"), "{text}");
    let (status, text) = raw_subscribe(
        sub_addr,
        "101",
        new.expose(),
        None,
        Duration::from_millis(800),
        &cert,
    )
    .await;
    assert_eq!(status, 200);
    let got: Vec<Value> = frames(&text).into_iter().map(|(_, e)| e).collect();
    assert!(got.iter().any(|e| e["content"]["n"] == 2), "{got:?}");
    assert!(got.iter().all(|e| e["content"]["n"] != 1), "{got:?}");
    s.sign_out(true).await.expect("sign out");
    relay.shutdown().await;
}
